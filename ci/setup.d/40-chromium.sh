# The HTML report is checked in a real browser (reports/browser): headless
# Chromium from Debian loads report.html, a filter is clicked and a
# screenshot is taken. fonts-dejavu-core gives the page a font to render.
PACKAGES+=(chromium fonts-dejavu-core)
