#!/usr/bin/env bash
# make-media.sh [OUT]: the deterministic benchmark input (default media/bench.flv).
#
#   video  lavfi testsrc2, 1280x720 at 30 fps, H.264 Main, closed 2 s GOP
#          (keyframe every 60 frames, no scene-cut keyframes), 1.5 Mbit/s capped
#   audio  lavfi sine 440 Hz, AAC-LC 48 kHz stereo 128 kbit/s
#   length 60 s; the publisher loops it with -stream_loop -1 -c copy.
#
# One x264 thread and bitexact flags: the same ffmpeg build gives the same bytes.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-media/bench.flv}"
if [[ -s "$out" ]]; then
  echo "make-media: $out exists" >&2
  exit 0
fi
mkdir -p "$(dirname "$out")"
tmp="$out.partial.flv"
trap 'rm -f "$tmp"' EXIT
ffmpeg -nostdin -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=60" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=60" \
  -map 0:v -map 1:a -map_metadata -1 \
  -c:v libx264 -threads 1 -preset veryfast -profile:v main -pix_fmt yuv420p \
  -g 60 -keyint_min 60 -sc_threshold 0 -x264-params open-gop=0 \
  -b:v 1500k -maxrate 1500k -bufsize 1500k \
  -c:a aac -b:a 128k -ar 48000 -ac 2 \
  -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
  -f flv "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "make-media: wrote $out, $(stat -c %s "$out") bytes, md5 $(md5sum "$out" | cut -d' ' -f1)" >&2
