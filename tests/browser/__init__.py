"""The real page in Debian's Chromium, driven by Playwright: screenshots land in test-artifacts/."""
