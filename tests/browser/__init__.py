"""Browser tests: real JupyterLab driven in Debian's chromium with Playwright."""
