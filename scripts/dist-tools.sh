# Sourced by the dist-*.sh scripts: the pinned cross-build tools of scripts/requirements-dist.txt
# (zig, cargo-zigbuild, maturin, auditwheel) in target/venv-dist, and the rustup targets to build.
#
#   dist_tools TARGET...
#       installs the tools and the missing targets, and sets $tools (the tools' bin directory).

dist_tools() {
    local venv=target/venv-dist
    test -x "$venv/bin/python" || "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-dist.txt
    tools=$PWD/$venv/bin
    local installed target
    installed=$(rustup target list --installed)
    for target in "$@"; do
        grep -qx "$target" <<<"$installed" || rustup target add "$target"
    done
}
