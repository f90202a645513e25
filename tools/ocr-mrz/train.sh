#!/usr/bin/env bash
# Trains ekycd's MRZ recogniser for Tesseract from scratch: random well-formed MRZ lines
# (mrz_text.py) rendered in OCR-B (Debian fonts-ocr-b) by text2image with noise, blur, rotation and
# exposure variations, then lstmtraining. Writes ocr/mrz.traineddata (committed). Never sees the
# evaluation sets in ../shared/data.
#   tools/ocr-mrz/train.sh [ITERATIONS]      (default 12000; ~1 h on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations=${1:-12000}
work=build/ocr-mrz
rm -rf "$work"
mkdir -p "$work/pages" "$work/script" "$work/lang" "$work/ckpt"
fonts=/usr/share/fonts/opentype/ocr-b

# 1. text and rendered pages: each variant renders its own lines with different capture effects
variant=0
for ptsize in 10 12 14; do
  for exposure in -1 0 1; do
    for resolution in 200 300; do
      variant=$((variant + 1))
      python3 tools/ocr-mrz/mrz_text.py 240 "$variant" > "$work/pages/v$variant.txt"
      extra=()
      [ $((variant % 2)) -eq 0 ] && extra+=(--distort_image=true)
      text2image --text="$work/pages/v$variant.txt" --outputbase="$work/pages/v$variant" \
        --font="OCR B" --fonts_dir="$fonts" --ptsize="$ptsize" --resolution="$resolution" \
        --exposure="$exposure" --degrade_image=true --rotate_image=true --xsize=3000 \
        --ysize=1600 --margin=60 --leading=$((ptsize * 2)) --char_spacing=0.05 \
        --max_pages=20 "${extra[@]}" >/dev/null 2>&1
      tesseract "$work/pages/v$variant.tif" "$work/pages/v$variant" --psm 6 lstm.train \
        >/dev/null 2>&1
    done
  done
done
ls "$work"/pages/*.lstmf > "$work/train.list"

# 2. a starter model: the 37 MRZ characters. Properties come from Tesseract's own English
#    unicharset; the radical table is only read for CJK, but the tool wants one line of it.
combine_tessdata -u /usr/share/tesseract-ocr/5/tessdata/eng.traineddata "$work/eng." >/dev/null
cp "$work/eng.lstm-unicharset" "$work/script/Latin.unicharset"
cp "$work/eng.lstm-unicharset" "$work/script/Common.unicharset"
echo '19968 1' > "$work/script/radical-stroke.txt"
unicharset_extractor --output_unicharset "$work/unicharset" --norm_mode 1 "$work"/pages/*.box \
  >/dev/null
combine_lang_model --input_unicharset "$work/unicharset" --script_dir "$work/script" --lang mrz \
  --output_dir "$work/lang" >/dev/null 2>&1
classes=$(head -1 "$work/unicharset")

# 3. train: a small network is enough for one font and 37 characters
lstmtraining --traineddata "$work/lang/mrz/mrz.traineddata" \
  --net_spec "[1,36,0,1 Ct3,3,16 Mp3,3 Lfys48 Lfx96 Lrx96 Lfx192 O1c$classes]" \
  --model_output "$work/ckpt/mrz" --learning_rate 0.002 --train_listfile "$work/train.list" \
  --max_iterations "$iterations" --target_error_rate 0.002 2>&1 | tee "$work/train.log" |
  grep -E "^At iteration|Finished" | awk 'NR % 20 == 0 || /Finished/'
lstmtraining --stop_training --continue_from "$work/ckpt/mrz_checkpoint" \
  --traineddata "$work/lang/mrz/mrz.traineddata" --model_output ocr/mrz.traineddata
ls -la ocr/mrz.traineddata
