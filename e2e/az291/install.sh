#!/usr/bin/env bash
# Installs Debian sid's azure-cli 2.91.0 into a Python 3.11 venv, without
# changing the system, for the article test with the newest az
# (TestIntegrationAzArticle291 in e2e/az_test.go, `make az291`).
#
# - apt runs with a private configuration under the cache dir (its own
#   sources list, package lists and archive cache; an empty dpkg status), so
#   the system's apt state is neither read for packages nor written.
# - azure-cli and the Architecture: all python3-* packages it depends on come
#   from sid (pure Python, they run on 3.11). The few compiled modules it
#   needs come from bookworm (built for this Python 3.11). Nothing from PyPI.
# - Each .deb is unpacked with dpkg-deb -x; its dist-packages are copied into
#   the venv's site-packages, and bin/az runs `python -m azure.cli`.
# - patches/*.sh fix two bugs of Debian's 2.91 build, in the venv copy only
#   (see each file).
#
# Prints the venv's az path on stdout last; progress goes to stderr. Exits 3
# when the mirror no longer has azure-cli 2.91.0-1 (sid moved on), 1 on any
# other failure.
# Environment: AKSNET_AZ291_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/aksnet/az291),
# PYTHON (default python3.11 from /usr/bin, then PATH), AKSNET_DEBIAN_MIRROR
# (default http://deb.debian.org/debian; once sid moves past 2.91.0-1 point it
# at a snapshot, e.g. http://snapshot.debian.org/archive/debian/20261201T000000Z).
set -euo pipefail

AZ_VERSION=2.91.0-1
here=$(cd "$(dirname "$0")" && pwd)
dir=${AKSNET_AZ291_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aksnet/az291}
mirror=${AKSNET_DEBIAN_MIRROR:-http://deb.debian.org/debian}
venv=$dir/venv
stamp=$venv/.aksnet-installed
start=$SECONDS

say() { printf 'az291: [%3d s] %s\n' $((SECONDS - start)) "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The stamp records the version and the patches' content: a changed patch
# reinstalls.
want_stamp="$AZ_VERSION $(cat "$here"/patches/*.sh | sha256sum | cut -c1-16)"
if [[ -x $venv/bin/az && -f $stamp && $(cat "$stamp") == "$want_stamp" ]]; then
  say "azure-cli $AZ_VERSION already installed in $venv"
  echo "$venv/bin/az"
  exit 0
fi

python=${PYTHON:-}
if [[ -z $python ]]; then
  if [[ -x /usr/bin/python3.11 ]]; then python=/usr/bin/python3.11; else python=$(command -v python3.11 || true); fi
fi
[[ -n $python ]] || die "no python3.11 (Debian bookworm's python3): set PYTHON"
pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[[ $pyver == 3.11 ]] || die "$python is Python $pyver; the compiled modules are bookworm's, built for 3.11"
for tool in apt-get apt-cache dpkg-deb; do
  command -v $tool >/dev/null || die "$tool is needed (a Debian system)"
done

# A private apt: nothing of the system's state is used or changed.
apt_dir=$dir/apt
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,sources.list.d,preferences.d}
cat >"$apt_dir/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
EOF
apt_opts=(
  -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
  -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
  -o "Dir::Etc::preferencesparts=$apt_dir/preferences.d"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::State::status=/dev/null"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Get::List-Cleanup=0"
  -o "APT::Sandbox::User=$(id -un)"
  -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
  -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
  -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
  -o "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false"
)
say "apt-get update (sid and bookworm, private lists in $apt_dir)"
apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update failed"

have=$(apt-cache "${apt_opts[@]}" show "azure-cli=$AZ_VERSION" 2>/dev/null | awk '/^Version:/{print $2; exit}')
if [[ $have != "$AZ_VERSION" ]]; then
  say "error: $mirror's sid no longer has azure-cli $AZ_VERSION: set AKSNET_DEBIAN_MIRROR to a snapshot of sid that has it"
  exit 3
fi

# The closure of azure-cli's Depends (no Recommends), with the newest (sid)
# candidates: pure-Python packages from sid.
say "resolving azure-cli $AZ_VERSION's dependencies"
mapfile -t closure < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances azure-cli | grep -v '^ ' | grep -v '^<' | sort -u)
# Dependencies of python3-azure's other SDKs that az never imports, and
# packaging tools: large, and not needed to run az.
skip='^(python3-(pandas|nltk|openai|sphinx|pip|build|wheel|twine|docutils|pygments|rich|babel|joblib|numpy.*)|python3)$'
sid_pkgs=()
while read -r pkg arch; do
  [[ $pkg == python3-* || $pkg == azure-cli ]] || continue
  [[ $arch == all ]] || continue
  [[ $pkg =~ $skip ]] && continue
  sid_pkgs+=("$pkg/sid")
done < <(apt-cache "${apt_opts[@]}" show --no-all-versions "${closure[@]}" 2>/dev/null |
  awk '/^Package:/{p=$2} /^Architecture:/{print p, $2}')
# Compiled modules az's code paths import, from bookworm for Python 3.11.
bookworm_pkgs=(python3-cffi-backend python3-cryptography python3-nacl python3-bcrypt python3-psutil python3-yaml
  python3-charset-normalizer python3-markupsafe python3-wrapt)
bookworm_pkgs=("${bookworm_pkgs[@]/%//bookworm}")

debs=$dir/debs
rm -rf "$debs"
mkdir -p "$debs"
say "downloading ${#sid_pkgs[@]} packages from sid and ${#bookworm_pkgs[@]} from bookworm"
(cd "$debs" && apt-get "${apt_opts[@]}" -qq download "${sid_pkgs[@]}" "${bookworm_pkgs[@]}" >&2) || die "apt-get download failed"

say "unpacking into a venv at $venv ($python, Python $pyver)"
rm -rf "$venv" "$dir/root"
"$python" -m venv --without-pip "$venv" || die "$python -m venv failed (Debian: apt-get install python3.11-venv)"
site=$venv/lib/python$pyver/site-packages
for deb in "$debs"/*.deb; do
  dpkg-deb -x "$deb" "$dir/root"
done
# Every package lands in one dist-packages: it becomes the site-packages
# (a rename, not a copy of 600 MB).
[[ -d $dir/root/usr/lib/python3/dist-packages ]] || die "no dist-packages in the unpacked packages"
rmdir "$site"
mv "$dir/root/usr/lib/python3/dist-packages" "$site"
rm -rf "$dir/root"
cat >"$venv/bin/az" <<EOF
#!/bin/sh
# azure-cli $AZ_VERSION from Debian sid (installed by aksnet's e2e/az291/install.sh).
exec "$venv/bin/python" -Im azure.cli "\$@"
EOF
chmod +x "$venv/bin/az"

for patch in "$here"/patches/*.sh; do
  say "patch $(basename "$patch")"
  bash "$patch" "$site" >&2 || die "patch $(basename "$patch") failed"
done

got=$("$venv/bin/az" version -o tsv --query '"azure-cli"' 2>/dev/null) || die "the installed az does not run: $venv/bin/az version"
[[ $got == "${AZ_VERSION%-*}" ]] || die "the installed az says it is $got"
echo "$want_stamp" >"$stamp"
say "azure-cli $got installed in $((SECONDS - start)) s ($(du -sh "$venv" | cut -f1))"
echo "$venv/bin/az"
