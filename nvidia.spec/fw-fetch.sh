#!/usr/bin/env bash
# Fetches Debian's firmware-nvidia-graphics package (suite bookworm-backports, component
# non-free-firmware) and unpacks it into a cache folder, without installing anything into the
# system: the tests of nvidia.spec and driver.core read the real GSP firmware files from there
# (system property nova.firmware.dir, framework property nova.firmware.path).
#
# The apt source it adds reuses the URIs of the machine's own Debian source (the one that
# carries the release's main suite); no host name is written here.
#
# Usage: nvidia.spec/fw-fetch.sh [--print]
#   Prints, as its last line of standard output, the firmware directory: the folder that holds
#   nvidia/<chip>/gsp/*.bin (<cache>/current/lib/firmware). Quick and offline when cached.
# Environment:
#   NOVA_FW_CACHE   cache folder (default: ${XDG_CACHE_HOME:-$HOME/.cache}/nova/firmware-nvidia-graphics)
#   NOVA_FW_REFRESH=1  ask apt again even when a cached copy exists
set -euo pipefail

PKG=firmware-nvidia-graphics
SUITE_SUFFIX=-backports
COMPONENT=non-free-firmware
GSP_VERSION=535.113.01
CACHE=${NOVA_FW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nova/$PKG}
SOURCE_FILE=/etc/apt/sources.list.d/nova-firmware-backports.sources

log() { echo "fw-fetch: $*" >&2; }
die() { echo "fw-fetch: error: $*" >&2; exit 1; }

# A cached unpack is complete when its marker exists and names a firmware folder with the GSP
# files of the version the tests expect.
cached_dir() {
    local marker=$CACHE/current/.complete
    [[ -f $marker ]] || return 1
    local dir=$CACHE/current/lib/firmware
    compgen -G "$dir/nvidia/*/gsp/gsp-$GSP_VERSION.bin" >/dev/null || return 1
    echo "$dir"
}

if [[ ${NOVA_FW_REFRESH:-0} != 1 ]] && dir=$(cached_dir); then
    log "cached: $(cat "$CACHE/current/.complete")"
    echo "$dir"
    exit 0
fi

[[ $(id -u) == 0 ]] || SUDO=sudo
SUDO=${SUDO:-}

# --- the release's codename and the URIs of its main Debian suite ------------------------------
codename=$( . /etc/os-release && echo "${VERSION_CODENAME:-}")
[[ -n $codename ]] || die "cannot read VERSION_CODENAME from /etc/os-release"
suite=$codename$SUITE_SUFFIX

# deb822 files: print the URIs of every stanza whose Suites include the bare codename and whose
# Types include deb. One-line files: "deb [opts] URI SUITE COMPONENTS...".
find_uris() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f && $f != "$SOURCE_FILE" ]] || continue
        awk -v want="$codename" '
            function flush() { if (isdeb && hassuite && uris != "") print uris; isdeb=0; hassuite=0; uris="" }
            /^[[:space:]]*#/ { next }
            /^[[:space:]]*$/ { flush(); next }
            tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1 }
            tolower($1) == "uris:" { for (i = 2; i <= NF; i++) uris = uris (uris == "" ? "" : " ") $i }
            tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == want) hassuite = 1 }
            END { flush() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        awk -v want="$codename" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == want) print $i
            }' "$f"
    done
}
uris=$(find_uris | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' ' | sed 's/ $//')
[[ -n $uris ]] || die "no Debian source for suite '$codename' in /etc/apt/sources.list{,.d/}: cannot tell which mirror to use"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -f $keyring ]] || die "missing $keyring (package debian-archive-keyring)"

stanza="Types: deb
URIs: $uris
Suites: $suite
Components: $COMPONENT
Signed-By: $keyring"
if [[ ! -f $SOURCE_FILE ]] || [[ $(cat "$SOURCE_FILE") != "$stanza" ]]; then
    log "adding apt source $SOURCE_FILE ($suite $COMPONENT from the machine's own URIs: $uris)"
    printf '%s\n' "$stanza" | $SUDO tee "$SOURCE_FILE" >/dev/null
fi

# Update only the lists of the source we added: quick, and leaves the other lists alone.
log "apt-get update ($suite)"
$SUDO apt-get update -qq \
    -o Dir::Etc::sourcelist="$SOURCE_FILE" -o Dir::Etc::sourceparts=- \
    -o APT::Get::List-Cleanup=0 >&2

policy=$(apt-cache policy "$PKG")
log "apt-cache policy $PKG:"
printf '%s\n' "$policy" | sed 's/^/    /' >&2
version=$(apt-cache madison "$PKG" | awk -F'|' -v s="$suite" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }')
[[ -n $version ]] || die "$PKG is not offered by $suite/$COMPONENT"

# --- download and unpack ------------------------------------------------------------------------
# The tests check our parsers against readelf (binutils) and od (coreutils).
if ! command -v readelf >/dev/null; then
    log "installing binutils (readelf) for the tests' independent checks"
    $SUDO apt-get install -y -qq binutils >&2
fi

dest=$CACHE/$version
if [[ ! -f $dest/.complete ]]; then
    mkdir -p "$CACHE"
    work=$(mktemp -d "$CACHE/.tmp.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    log "apt-get download $PKG=$version"
    # apt's download sandbox user cannot write into a root-owned temp folder; as root, skip it
    sandbox=()
    [[ $(id -u) == 0 ]] && sandbox=(-o APT::Sandbox::User=root)
    (cd "$work" && apt-get download -qq "${sandbox[@]}" "$PKG=$version" >&2)
    deb=$(ls "$work"/*.deb)
    mkdir -p "$work/root"
    dpkg-deb -x "$deb" "$work/root"
    # Debian may ship firmware compressed (name.bin.xz / .zst); the loader maps plain files.
    while IFS= read -r -d '' f; do
        case $f in
            *.xz) xz -dq "$f" ;;
            *.zst) zstd -dq --rm "$f" ;;
        esac
    done < <(find "$work/root" -type f \( -name '*.xz' -o -name '*.zst' \) -print0)
    fwdir=$work/root/lib/firmware
    [[ -d $fwdir ]] || { mkdir -p "$work/root/lib"; mv "$work/root/usr/lib/firmware" "$fwdir"; }
    compgen -G "$fwdir/nvidia/*/gsp/gsp-$GSP_VERSION.bin" >/dev/null \
        || die "$PKG $version carries no nvidia/*/gsp/gsp-$GSP_VERSION.bin"
    echo "$PKG $version ($(basename "$deb"))" > "$work/root/.complete"
    mkdir -p "$CACHE"
    rm -rf "$dest"
    mv "$work/root" "$dest"
fi
ln -sfn "$version" "$CACHE/current"

dir=$(cached_dir) || die "unpacked $dest is incomplete"
log "unpacked $(cat "$dest/.complete") into $dest"
log "GSP $GSP_VERSION files: $(cd "$dir" && ls nvidia/*/gsp/*-"$GSP_VERSION".bin | wc -l) in $(cd "$dir" && ls -d nvidia/*/gsp | wc -l) chips"
echo "$dir"
