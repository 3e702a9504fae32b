# Install Debian's chromium and chromium-driver for the browser test of `neuro-kv view`
# (tests/test_view.py); if they cannot be installed the test skips and says so. Sourced by
# .ci/run; does nothing where both are already installed.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    { as_root apt-get update -qq \
        && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
            chromium-driver >/dev/null; } \
        || echo "chromium could not be installed: the browser test will skip"
fi
