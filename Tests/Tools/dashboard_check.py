#!/usr/bin/env python3
"""Drives the dashboard in headless Chromium (Debian's chromium + chromium-driver, selenium).

usage: dashboard_check.py URL TOKEN SCREENSHOT READY_FILE GO_FILE
Loads URL#token=TOKEN, waits until the live stream is connected, then writes READY_FILE and waits
for GO_FILE (the test sends events in between), then waits until a live activation is in the page,
saves a screenshot and prints one JSON line: {"activations": N, "districts": N, "live": bool}.
Every wait is bounded; exit 1 with a message when something does not appear.
"""
import json, os, sys, time
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

url, token, screenshot, ready_file, go_file = sys.argv[1:6]
options = Options()
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
    options.add_argument(flag)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(what, predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    driver.save_screenshot(screenshot)
    print(f"timed out waiting for {what}", file=sys.stderr)
    driver.quit()
    sys.exit(1)


try:
    driver.get(url + "#token=" + token)
    wait("the live stream", lambda: driver.find_element(By.ID, "link").text == "live", 30)
    before = len(driver.find_elements(By.CSS_SELECTOR, "[data-activation]"))
    open(ready_file, "w").close()
    wait("the test's events", lambda: os.path.exists(go_file), 60)
    wait("a live activation", lambda: len(driver.find_elements(By.CSS_SELECTOR, "[data-activation]")) > before, 30)
    time.sleep(0.5)
    driver.save_screenshot(screenshot)
    print(json.dumps({
        "activations": len(driver.find_elements(By.CSS_SELECTOR, "[data-activation]")) - before,
        "districts": len(driver.find_elements(By.CSS_SELECTOR, "[data-district]")),
        "alerted": len(driver.find_elements(By.CSS_SELECTOR, ".district.alert")),
        "live": driver.find_element(By.ID, "link").text == "live",
        "first": driver.find_element(By.CSS_SELECTOR, "[data-activation]").get_attribute("data-activation"),
    }))
finally:
    driver.quit()
