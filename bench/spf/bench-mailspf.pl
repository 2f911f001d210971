#!/usr/bin/perl
# Mail::SPF (the library behind spfquery) on the benchmark data, its DNS answered by an
# nsd on the loopback that serves the same zone. Mail::SPF keeps no cache of its own, so
# every lookup is a UDP query to nsd, as it is in production behind a local resolver.
#
# Usage: bench-mailspf.pl PORT PAIRS
use strict;
use warnings;
use Mail::SPF;
use Net::DNS::Resolver;
use Time::HiRes qw(time);

my ($port, $pairs_path) = @ARGV;
die "usage: bench-mailspf.pl PORT PAIRS\n" unless defined $pairs_path;

my $resolver = Net::DNS::Resolver->new(
    nameservers => ['127.0.0.1'], port => $port, recurse => 1,
    udp_timeout => 5, tcp_timeout => 5, retry => 2);
my $server = Mail::SPF::Server->new(
    dns_resolver => $resolver,
    query_rr_types => Mail::SPF::Server->query_rr_type_txt);

open my $fh, '<', $pairs_path or die "$pairs_path: $!\n";
my @pairs = map { [split ' '] } grep { /\S/ } <$fh>;
close $fh;

my %counts;
my $start = time;
for my $p (@pairs) {
    my $request = Mail::SPF::Request->new(
        versions => [1], scope => 'mfrom', identity => $p->[1],
        ip_address => $p->[0], helo_identity => 'client.example');
    $counts{$server->process($request)->code}++;
}
my $t = time - $start;
# Wall time: Mail::SPF spends most of it waiting for nsd, which its CPU time leaves out.
printf "Mail::SPF %s: %d evaluations, %.3f s wall: %.0f evaluations/s\n",
    $Mail::SPF::VERSION, scalar @pairs, $t, @pairs / $t;
print "results: ", join(' ', map { "$_=$counts{$_}" } sort keys %counts), "\n";
