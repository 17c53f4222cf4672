#!/usr/bin/env bash
# Build, sign (hardened runtime) and package gp_guard for macOS. NOT RUN on the Linux build machine:
# it needs macOS with Xcode's command-line tools, rsvg-convert (brew install librsvg) and create-dmg
# (brew install create-dmg). Without GP_GUARD_MAC_IDENTITY the app is signed ad hoc ("-"), which
# runs on the Mac that built it only; releases set it to "Developer ID Application: … (TEAMID)".
#   bash installer/macos/build_app.sh            -> dist/gp_guard-<version>.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
VERSION=$($PY -c 'import re;print(re.search(r"__version__ = \"(.+)\"", open("gp_guard/version.py").read()).group(1))')
IDENTITY=${GP_GUARD_MAC_IDENTITY:--}
ENT=installer/macos/entitlements.plist
APP=build/macos/dist/gp_guard.app

$PY installer/macos/make_icns.py
PYTHONHASHSEED=0 $PY -m PyInstaller --noconfirm --distpath build/macos/dist --workpath build/macos/work \
    installer/macos/gp_guard.spec

# Sign inside-out: every Mach-O library and executable first, then the bundle itself.
find "$APP/Contents" -type f \( -name '*.so' -o -name '*.dylib' -o -perm -u+x \) -print0 |
  while IFS= read -r -d '' f; do
    if file "$f" | grep -q 'Mach-O'; then
      codesign --force --timestamp --options runtime --entitlements "$ENT" --sign "$IDENTITY" "$f"
    fi
  done
codesign --force --timestamp --options runtime --entitlements "$ENT" --sign "$IDENTITY" "$APP"
codesign --verify --deep --strict --verbose=2 "$APP"

mkdir -p dist
DMG=dist/gp_guard-$VERSION.dmg
rm -f "$DMG"
create-dmg --volname gp_guard --window-size 480 240 --icon-size 96 \
    --icon gp_guard.app 120 110 --app-drop-link 360 110 --no-internet-enable "$DMG" "$APP"
if [ "$IDENTITY" != "-" ]; then
  codesign --force --timestamp --sign "$IDENTITY" "$DMG"
fi
echo "$DMG"
