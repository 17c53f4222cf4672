#!/bin/sh
# Notarise and staple the signed .dmg (needs an Apple Developer ID). NOT RUN here: macOS only.
#   GP_GUARD_NOTARY_PROFILE   a keychain profile made once with
#                             `xcrun notarytool store-credentials gp_guard --apple-id … --team-id …`
#   or GP_GUARD_NOTARY_KEY (App Store Connect API key .p8), GP_GUARD_NOTARY_KEY_ID, GP_GUARD_NOTARY_ISSUER
#   sh installer/macos/notarize.sh dist/gp_guard-<version>.dmg
set -eu
DMG=$1
if [ -n "${GP_GUARD_NOTARY_PROFILE:-}" ]; then
  xcrun notarytool submit "$DMG" --keychain-profile "$GP_GUARD_NOTARY_PROFILE" --wait
else
  xcrun notarytool submit "$DMG" --key "$GP_GUARD_NOTARY_KEY" --key-id "$GP_GUARD_NOTARY_KEY_ID" \
      --issuer "$GP_GUARD_NOTARY_ISSUER" --wait
fi
xcrun stapler staple "$DMG"
xcrun stapler validate "$DMG"
spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
