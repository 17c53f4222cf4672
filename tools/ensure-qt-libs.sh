#!/bin/sh
# Qt's xcb platform (a real window on Linux) needs these system libraries; the PySide6 wheel
# does not ship them. Installs them when run as root on Debian/Ubuntu, else says what to install.
[ "$(uname -s)" = "Linux" ] || exit 0
PKGS="libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3"
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "Installing the system libraries Qt needs:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
  echo "Qt needs these system libraries to open a window. Ask your administrator to run:"
  echo "  sudo apt-get install$missing"
  exit 1
fi
