#!/usr/bin/python3
"""facteur serve in a real browser, headless Chromium from Debian (issue 15): `/` gives
a test address, a message is sent to it over SMTP, and the page shows the report by
itself within 2 seconds, in English and in French; a message whose HTML holds <script>,
an onerror= handler and remote images (pointing at an HTTP server this test runs on
loopback) runs nothing and loads nothing: that server counts zero requests; with HTTP
timeouts of 2 s, the polling page and later pages still work. Writes
screenshots of the home page and of a report in each language, and of a domain's
reports page (admin), to docs/screenshots/ (FCT_SCREENSHOTS=0 to skip). Prints TAP.
Usage: test_serve_browser.py BUILD/facteur"""
import http.server
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from serve_helper import ROOT, Server, tap  # noqa: E402

FACTEUR = sys.argv[1]
SHOTS = os.path.join(ROOT, "docs", "screenshots")
results = []
notes = []  # measurements, printed as TAP comments

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    webdriver = None

NEWSLETTER = open(os.path.join(ROOT, "examples", "newsletter.eml"), "rb").read()


class Counter(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 (the name http.server asks for)
        Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass


def browser(tmp, lang):
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1200,1400",
                f"--user-data-dir={tempfile.mkdtemp(dir=tmp)}", f"--lang={lang}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    if os.path.exists("/usr/bin/chromium"):
        options.binary_location = "/usr/bin/chromium"
    service = Service(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def full_screenshot(driver, path):
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(max(height, 800), 6000))
    driver.save_screenshot(path)
    driver.set_window_size(1200, 1400)


def case(name, fn):
    try:
        fn()
        results.append((True, name, ""))
    except Exception as e:
        results.append((False, name, f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))


def main():
    if webdriver is None or shutil.which("chromedriver") is None:
        print("1..0 # SKIP python3-selenium or chromium-driver is not installed")
        return 0
    shots = os.environ.get("FCT_SCREENSHOTS", "1") != "0"
    tmp = tempfile.mkdtemp(prefix="fct-browser-")
    # An admin password, for the reports page.
    hashed = subprocess.run([FACTEUR, "serve", "--hash-password"], input="s3cret\n",
                            capture_output=True, text=True, timeout=60)
    conf = os.path.join(tmp, "serve.conf")
    with open(conf, "w") as f:
        f.write("[serve]\n" + hashed.stdout.strip() + "\n")
    server = Server(FACTEUR, os.path.join(tmp, "data"), ["--config", conf])
    counter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    counter_port = counter.server_address[1]
    threading.Thread(target=counter.serve_forever, daemon=True).start()
    drivers = []
    try:
        server.start()

        def report_appears(lang, example, shot):
            def run():
                d = browser(tmp, lang)
                drivers.append(d)
                d.get(server.base + "/")
                address = d.find_element(By.ID, "address").text
                assert address.startswith("test-") and address.endswith("@tester.example")
                assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
                if shots:
                    full_screenshot(d, os.path.join(SHOTS, f"home-{lang}.png"))
                with smtplib.SMTP("127.0.0.1", server.smtp_port) as c:
                    c.ehlo("mail.maison-dupont.example")
                    c.sendmail("bounce@maison-dupont.example", [address], example)
                    # The clock starts at the server's 250: the message has arrived.
                    sent = time.time()
                # The 2 s are the page's: from the 250 to the moment the browser has
                # the report page (its DOMContentLoaded, on the browser's clock, which
                # is the system's), not to the moment WebDriver, polled through
                # chromedriver, gets round to seeing it. The wait itself is generous.
                WebDriverWait(d, 60, poll_frequency=0.05).until(
                    lambda drv: drv.find_elements(By.ID, "score"))
                shown = d.execute_script(
                    "const n = performance.getEntriesByType('navigation')[0];"
                    "return (performance.timeOrigin + n.domContentLoadedEventEnd) / 1000;")
                seen = time.time()
                elapsed = shown - sent
                notes.append(f"{lang}: report shown {elapsed:.2f} s after the 250 "
                             f"(seen through WebDriver after {seen - sent:.2f} s)")
                assert 0 < elapsed < 2, (elapsed, seen - sent)
                score = d.find_element(By.ID, "score").text
                assert score == "6.5", score  # spf-fail 3, smtp-no-tls 0.5
                threat = d.find_element(By.ID, "threat").text
                assert threat, "no threat verdict shown"
                body = d.find_element(By.TAG_NAME, "body").text
                want = "Authentification" if lang == "fr" else "Authentication"
                assert want in body, body[:500]
                if shots:
                    full_screenshot(d, os.path.join(SHOTS, shot))
            return run

        def hostile_html():
            remote = f"http://127.0.0.1:{counter_port}"
            html = (f"<html><head><link rel=stylesheet href='{remote}/style.css'>"
                    f"<script>fetch('{remote}/script'); document.title='pwned';</script>"
                    f"</head><body style=\"background:url('{remote}/bg.png')\">"
                    f"<p>Bonjour</p><img src='{remote}/pixel.png'>"
                    f"<img src='x' onerror=\"fetch('{remote}/onerror')\">"
                    f"<iframe src='{remote}/frame'></iframe>"
                    f"<form action='{remote}/form'><input></form></body></html>")
            msg = ("From: a@maison-dupont.example\r\nSubject: hostile\r\nMIME-Version: 1.0\r\n"
                   "Content-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n").encode()
            d = browser(tmp, "en")
            drivers.append(d)
            d.get(server.base + "/")
            address = d.find_element(By.ID, "address").text
            with smtplib.SMTP("127.0.0.1", server.smtp_port) as c:
                c.sendmail("a@maison-dupont.example", [address], msg)
            WebDriverWait(d, 60, poll_frequency=0.05).until(
                lambda drv: drv.find_elements(By.ID, "score"))
            frame = d.find_element(By.CSS_SELECTOR, "iframe.html")
            assert frame.get_attribute("sandbox") == "", frame.get_attribute("sandbox")
            d.switch_to.frame(frame)
            assert "Bonjour" in d.find_element(By.TAG_NAME, "body").text
            d.switch_to.default_content()
            time.sleep(1.0)  # time for anything that would load
            assert d.title != "pwned", d.title
            assert Counter.hits == [], Counter.hits
            # The frame's URL opened on its own still runs and loads nothing.
            d.get(d.current_url.split("?")[0] + "/html")
            time.sleep(1.0)
            assert d.title != "pwned"
            assert Counter.hits == [], Counter.hits

        def reports_page():
            # Reports ingested into the server's database, shown behind the password.
            db = os.path.join(server.data_dir, "facteur.db")
            data = os.path.join(ROOT, "tests", "data", "reports")
            ingest = subprocess.run(
                [FACTEUR, "reports", "ingest", "--db", db]
                + [os.path.join(data, n) for n in ("google.xml", "microsoft.xml",
                                                   "yahoo.xml", "orange.xml", "rfc9990.xml",
                                                   "tlsrpt.json", "failure.eml")],
                capture_output=True, text=True, timeout=60)
            assert ingest.returncode == 0, ingest.stderr
            d = browser(tmp, "en")
            drivers.append(d)
            d.get(server.base.replace("http://", "http://admin:s3cret@")
                  + "/admin/reports/boulangerie-martin.fr")
            assert d.find_element(By.ID, "domain").text == "boulangerie-martin.fr"
            chart = d.find_element(By.ID, "chart")
            assert chart.size["width"] > 300 and chart.size["height"] > 80, chart.size
            assert d.find_element(By.ID, "readiness").text
            if shots:
                full_screenshot(d, os.path.join(SHOTS, "reports-en.png"))

        def short_http_timeouts():
            # Ordinary browsing under HTTP timeouts of 2 s: the page polls the API on a
            # kept-alive connection for longer than that, its idle connections are
            # closed meanwhile, the report still shows at once, and a page opened after
            # every connection idled out loads.
            quick = Server(FACTEUR, os.path.join(tmp, "quick"),
                           ["--http-idle-timeout", "2", "--http-header-timeout", "2"])
            quick.start()
            try:
                d = browser(tmp, "en")
                drivers.append(d)
                d.get(quick.base + "/")
                address = d.find_element(By.ID, "address").text
                time.sleep(5)
                with smtplib.SMTP("127.0.0.1", quick.smtp_port) as c:
                    c.sendmail("bounce@maison-dupont.example", [address], NEWSLETTER)
                sent = time.monotonic()
                WebDriverWait(d, 2, poll_frequency=0.05).until(
                    lambda drv: drv.find_elements(By.ID, "score"))
                assert time.monotonic() - sent < 2
                time.sleep(4)
                d.get(quick.base + "/domain")
                assert d.find_elements(By.CSS_SELECTOR, "form input"), d.page_source[:300]
            finally:
                quick.stop()

        if shots:
            os.makedirs(SHOTS, exist_ok=True)
        case("English: / gives an address; the report shows by itself within 2 s",
             report_appears("en", NEWSLETTER, "report-en.png"))
        case("French: the same, in French",
             report_appears("fr", NEWSLETTER, "report-fr.png"))
        case("a message's HTML with <script>, onerror= and remote images runs nothing and "
             "loads nothing", hostile_html)
        case("the reports page of a domain, with its chart, behind the admin password",
             reports_page)
        case("HTTP idle and head timeouts of 2 s: polling, the report and a later page "
             "still work", short_http_timeouts)
    except Exception as e:
        results.append((False, "browser starts", f"{type(e).__name__}: {e}\n"
                        + traceback.format_exc()))
    finally:
        for d in drivers:
            try:
                d.quit()
            except Exception:
                pass
        counter.shutdown()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    tap(results)
    for n in notes:
        print(f"# {n}")
    return 0


sys.exit(main())
