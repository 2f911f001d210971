#!/usr/bin/python3
"""Writes the documents of tests/unit/extract (run from this folder): what the parsers
must read, and hostile files they must survive within their limits. The bytes come
from tests/data/documents.py, so that every file can be rebuilt."""
import bz2, os, sys, zipfile, zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "data"))
import documents as D  # noqa: E402

IBAN = "FR76 3000 6000 0112 3456 7890 189"


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


write("text.pdf", D.text_pdf(["RELEVE D'IDENTITE BANCAIRE", "IBAN : " + IBAN]))
write("js-names.pdf", D.text_pdf(["Formulaire"], "/Names << /JavaScript << /Names [(init) 6 0 R]"
                                 " >> >> ", extra_objects=["<< /S /JavaScript /JS (app.alert\\(1\\)) >>"]))
write("launch.pdf", D.text_pdf(["Facture"], "", "/Annots [6 0 R] ",
                               ["<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] "
                                "/A << /S /Launch /F (cmd.exe) >> >>"]))
write("embedded.pdf", D.text_pdf(["Facture"], "/Names << /EmbeddedFiles << /Names [(setup.exe) "
                                 "6 0 R] >> >> ",
                                 extra_objects=["<< /Type /Filespec /F (setup.exe) /EF << /F 7 0 R "
                                                ">> >>", b"<< /Type /EmbeddedFile /Length 2 >>\n"
                                                b"stream\nMZ\nendstream"]))
# Actions inside a compressed object stream (object 7), out of sight of a byte scan.
write("objstm-launch.pdf", D.text_pdf(["Facture"], "/OpenAction 7 0 R ", extra_objects=[
    D.object_stream({7: "<< /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>"})]))
write("objstm-js.pdf", D.text_pdf(["Facture"], "/OpenAction 7 0 R ", extra_objects=[
    D.object_stream({7: "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"})]))
write("text.docx", D.docx(["Coordonnees bancaires", "Titulaire : Fournisseur SARL"],
                          footer="IBAN " + IBAN))
write("vba.docm", D.docx(["Bon de commande"], vba=True))
write("text.odt", D.odt(["Facture 2026-114", "IBAN " + IBAN]))
write("shared.xlsx", D.zip_of({
    "[Content_Types].xml": D.CONTENT_TYPES,
    "xl/sharedStrings.xml": '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                            'main"><si><t>Fournisseur</t></si><si><t>%s</t></si></sst>' % IBAN}))
write("vba.doc", D.legacy_doc(vba=True))
write("clean.doc", D.legacy_doc())
write("encrypted.doc", D.legacy_doc(encrypted=True))
write("vba.xls", D.legacy_xls(vba=True))

# Hostile. 10,000 nested arrays in the page dictionary, and 10,000 objects each
# referring to the next; a content stream of 64 MiB of drawing operators in 64 KiB of
# deflate; a truncated PDF.
write("nested-arrays.pdf", D.text_pdf(["Nested"], "", "/Junk " + "[" * 10000 + "]" * 10000 + " "))
chain = ["<< /Next %d 0 R >>" % (7 + i) for i in range(10000)] + ["<< >>"]
write("object-chain.pdf", D.text_pdf(["Chain"], "/Chain 6 0 R ", extra_objects=chain))
ops = zlib.compress(b"0 0 m 1 1 l S\n" * ((64 << 20) // 14), 9)
write("content-bomb.pdf", D.pdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(ops) + ops + b"\nendstream"]))
write("truncated.pdf", D.text_pdf(["Cut"])[:200])
# XML: an entity expansion ("billion laughs", XML 1.0 §4), 100,000 nested elements, and
# 256 MiB of text in a 200-byte bzip2 member.
laughs = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">'
          + "".join('<!ENTITY %s "%s">' % (chr(98 + i), ("&%s;" % chr(97 + i)) * 10)
                    for i in range(9))
          + ']><w:document %s><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body>'
            '</w:document>' % D.W)
write("laughs.docx", D.zip_of({"[Content_Types].xml": D.CONTENT_TYPES,
                               "word/document.xml": laughs}))
write("deep.docx", D.zip_of({"[Content_Types].xml": D.CONTENT_TYPES,
                             "word/document.xml": "<a>" * 100000 + "</a>" * 100000}))
big = (b'<w:document ' + D.W.encode() + b'><w:body><w:p><w:r><w:t>' + b"a" * (256 << 20)
       + b"</w:t></w:r></w:p></w:body></w:document>")
write("xml-bomb.docx", D.zip_of({"[Content_Types].xml": D.CONTENT_TYPES,
                                 "word/document.xml": big}, zipfile.ZIP_BZIP2))
write("not-a-zip.docx", b"PK\x03\x04" + b"\xff" * 100)
write("not-ole.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600)
# A legacy .doc cut after ten sectors: its allocation table (sector 25) lies past the end.
write("truncated.doc", D.legacy_doc()[:512 + 10 * 512])

# Embedded files (ISO 32000-1 §7.11.4) in name trees that poppler 22.12's
# poppler_document_get_attachments dereferences NULL on (a value that refers to a
# string: a file specification string names no embedded file); the file next to it must
# still be listed.
FILESPEC = "<< /Type /Filespec /F (%s) /EF << /F %d 0 R >> >>"
MZ_STREAM = b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream"
write("embedded-refstr.pdf", D.text_pdf(
    ["Facture"], "/Names << /EmbeddedFiles << /Names [(a.exe) 6 0 R (setup.exe) 7 0 R] >> >> ",
    extra_objects=["(a.exe)", FILESPEC % ("setup.exe", 8), MZ_STREAM]))
# Kids: a cycle, a number, a string, a leaf whose first value is such a string, then
# a file specification named in UTF-16BE (/UF) only.
write("embedded-kids.pdf", D.text_pdf(
    ["Facture"], "/Names << /EmbeddedFiles 6 0 R >> ",
    extra_objects=["<< /Kids [6 0 R 42 (x) 7 0 R] >>",
                   "<< /Kids [6 0 R 8 0 R] >>",
                   "<< /Limits [(a) (z)] /Names [(a.exe) 9 0 R (b) 10 0 R] >>",
                   "(a.exe)",
                   b"<< /Type /Filespec /UF <FEFF0066006100630074007500720065002E007300630072>"
                   b" /EF << /F 11 0 R >> >>",
                   MZ_STREAM]))
write("embedded-junk.pdf", D.text_pdf(
    ["Facture"], "/Names << /EmbeddedFiles << /Names [(a.exe) 42 (b.exe) null (c.exe) /x"
    " (d.exe) [1 2] (e.exe) << /F (e.exe) >>] >> >> "))
# Name-tree levels past the reader's depth limit: a clean error, not a recursion.
deep = ["<< /Kids [%d 0 R] >>" % (8 + i) for i in range(600)] + [
    "<< /Names [(deep.exe) 608 0 R] >>", FILESPEC % ("deep.exe", 609), MZ_STREAM]
write("embedded-deep.pdf", D.text_pdf(["Facture"], "/Names << /EmbeddedFiles 6 0 R >> ",
                                      extra_objects=["<< /Kids [7 0 R] >>"] + deep))
# An invoice as modern writers make it, with its Factur-X XML embedded (EN 16931): the
# name tree and the file specification in a compressed object stream, the file
# compressed too (objects 20 and 21 live only in the object stream, object 6). Nothing
# dangerous: the name must come through as it is.
xml = zlib.compress(b'<?xml version="1.0"?><rsm:CrossIndustryInvoice/>')
write("invoice-facturx.pdf", D.text_pdf(
    ["FACTURE 2026-114", "Total TTC : 1 250,00 EUR"],
    "/Names 20 0 R /AF [21 0 R] ",
    extra_objects=[D.object_stream({
        20: "<< /EmbeddedFiles << /Names [(factur-x.xml) 21 0 R] >> >>",
        21: "<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Data"
            " /EF << /F 7 0 R /UF 7 0 R >> >>"}),
        b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode "
        b"/Length %d >>\nstream\n" % len(xml) + xml + b"\nendstream"]))

# Excel 4.0 (XLM) macros, as droppers build them: a very hidden macro sheet started by
# the built-in name Auto_Open in a legacy .xls; a hidden macro sheet and a user name
# "auTo_oPen2" (Excel runs names that start so); an .xlsm whose macro sheet is hidden
# and named by _xlnm.Auto_Open. And what businesses send: invoices with several sheets,
# a hidden ordinary sheet of lists, Print_Area and a named VAT rate; an old workbook with
# a visible macro sheet and no automatic start.
INVOICE_SHEETS = [("Facture", "worksheet", "visible"), ("Detail", "worksheet", "visible"),
                  ("Listes", "worksheet", "hidden")]
write("xlm-auto-open.xls", D.legacy_xls(sheets=[("Feuil1", "worksheet", "visible"),
                                                ("Macro1", "macro", "veryHidden")], names=[1]))
write("xlm-hidden.xls", D.legacy_xls(sheets=[("Sheet1", "worksheet", "visible"),
                                             ("x", "macro", "hidden")], names=["auTo_oPen2"]))
write("xlm-visible.xls", D.legacy_xls(sheets=[("Tarifs", "worksheet", "visible"),
                                              ("Macro1", "macro", "visible")]))
write("invoice.xls", D.legacy_xls(sheets=INVOICE_SHEETS, names=[6, "TauxTVA"]))
write("xlm-auto-open.xlsm", D.xlsx([("Feuil1", "worksheet", "visible"),
                                    ("Macro1", "macro", "hidden")],
                                   names={"_xlnm.Auto_Open": "Macro1!$A$1"},
                                   strings=["Facture"], macro_enabled=True))
write("invoice.xlsx", D.xlsx(INVOICE_SHEETS, names={"_xlnm.Print_Area": "Facture!$A$1:$F$40",
                                                    "TauxTVA": "Listes!$B$2"},
                             strings=["Facture 2026-114", "Total TTC"]))
# 2,000 name-tree nodes that all name one array of 40,000 entries: read once per node
# it would be 80 million values; the reader's work cap refuses it.
shared = "[" + " ".join("(n%05d) 1" % i for i in range(40000)) + "]"
write("embedded-shared-names.pdf", D.text_pdf(
    ["Facture"], "/Names << /EmbeddedFiles << /Kids [%s] >> >> "
    % " ".join("<< /Names 6 0 R >>" for _ in range(2000)), extra_objects=[shared]))
# Object headers inside a stream's data (the reader finds objects by their headers):
# a stream whose /Length swallows the name tree and the file specification after it
# (a reader that follows the cross-reference table still reads them), and a stream
# whose data holds a later "7 0 obj" that would replace the real file specification.
inner = (b"7 0 obj\n<< /Names [(setup.exe) 8 0 R] >>\nendobj\n"
         b"8 0 obj\n" + (FILESPEC % ("setup.exe", 9)).encode() + b"\nendobj\n")
write("embedded-swallowed.pdf", D.text_pdf(
    ["Facture"], "/Names << /EmbeddedFiles 7 0 R >> ",
    extra_objects=[b"<< /Length %d >>\nstream\n" % len(inner) + inner + b"\nendstream"]))
fake = b"7 0 obj\n<< /Type /Filespec /F (notes.txt) >>\nendobj\n"
write("embedded-hijack.pdf", D.text_pdf(
    ["Facture"], "/Names << /EmbeddedFiles << /Names [(setup.exe) 7 0 R] >> >> ",
    extra_objects=["<< >>", FILESPEC % ("setup.exe", 8), MZ_STREAM,
                   b"<< /Length %d >>\nstream\n" % len(fake) + fake + b"\nendstream"]))
