#!/usr/bin/env bash
# Regenerates the speech fixtures in ../fixtures (not run in CI; the WAVs are committed).
# Needs espeak-ng and sox:  apt-get install -y espeak-ng sox
# Each phrase is synthesized by espeak-ng, trimmed of leading/trailing silence, padded with
# 100 ms of silence on both sides, and written twice: 16 kHz mono PCM16 and 8 kHz mono mu-law.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../fixtures"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# name|text  (keep in sync with FIXTURE_TEXTS in src/audio/fixture-texts.ts)
phrases=(
  "hello-there|hello there"
  "book-a-table|I'd like to book a table for two"
  "yes|yes"
  "no|no"
  "okay|okay"
  "what-time-do-you-open|what time do you open"
)

for entry in "${phrases[@]}"; do
  name="${entry%%|*}"
  text="${entry#*|}"
  espeak-ng -v en-us -s 160 -w "$tmp/$name.raw.wav" "$text"
  sox "$tmp/$name.raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$tmp/$name.trim.wav" \
    silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse pad 0.1 0.1 norm -3
  sox "$tmp/$name.trim.wav" -r 16000 -c 1 -b 16 -e signed-integer "$out/$name.pcm16-16k.wav"
  sox "$tmp/$name.trim.wav" -r 8000 -c 1 -e u-law "$out/$name.mulaw-8k.wav"
done

sox -D -n -r 16000 -c 1 -b 16 -e signed-integer "$out/silence-1s.pcm16-16k.wav" trim 0 1
sox -D -n -r 8000 -c 1 -e u-law "$out/silence-1s.mulaw-8k.wav" trim 0 1

du -ch "$out"/*.wav | tail -1
