#!/usr/bin/env bash
# Trains ekycd's MRZ recogniser for Tesseract from scratch: random well-formed MRZ lines
# (mrz_text.py) rendered in OCR-B (Debian fonts-ocr-b) by text2image at three sizes, three
# exposures and two resolutions, with noise, blur and rotation (every second variant also with
# perspective distortion). Never sees the evaluation sets in ../shared/data.
#
#   tools/ocr-mrz/train.sh            Tesseract's character classifier (shapeclustering,
#                                     mftraining, cntraining) on the six undistorted variants
#                                     -> ocr/mrz.traineddata (committed; ~3 min)
#   tools/ocr-mrz/train.sh lstm N     an LSTM (lstmtraining) for N iterations on all 18 variants
#                                     -> build/ocr-mrz/lstm/mrz.traineddata (~0.3 s/iteration)
# docs/accuracy.md compares the two on the shared line crops.
set -euo pipefail
cd "$(dirname "$0")/../.."
trap 'rm -f fonts.conf' EXIT # text2image leaves its fontconfig file in the working directory
mode=${1:-legacy}
iterations=${2:-3000}
work=build/ocr-mrz
rm -rf "$work"
mkdir -p "$work/pages" "$work/script" "$work/lang" "$work/ckpt" "$work/legacy" "$work/lstm"
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


if [ "$mode" = legacy ]; then
  # 2. the classifier: training files must be named LANG.FONT.expN
  for i in 1 3 5 7 9 11; do
    cp "$work/pages/v$i.tif" "$work/legacy/mrz.ocrb.exp$i.tif"
    cp "$work/pages/v$i.box" "$work/legacy/mrz.ocrb.exp$i.box"
  done
  (
    cd "$work/legacy"
    for f in mrz.ocrb.exp*.tif; do tesseract "$f" "${f%.tif}" box.train >/dev/null 2>&1; done
    unicharset_extractor ./*.box >/dev/null
    echo "ocrb 0 0 1 0 0" > font_properties
    shapeclustering -F font_properties -U unicharset ./*.tr >/dev/null 2>&1
    mftraining -F font_properties -U unicharset -O mrz.unicharset ./*.tr >/dev/null 2>&1
    cntraining ./*.tr >/dev/null 2>&1
    for x in inttemp pffmtable normproto shapetable; do mv "$x" "mrz.$x"; done
    combine_tessdata mrz. >/dev/null
  )
  mkdir -p ocr
  cp "$work/legacy/mrz.traineddata" ocr/mrz.traineddata
  ls -la ocr/mrz.traineddata
  exit 0
fi
# 2. (lstm) a starter model: the 37 MRZ characters. Properties come from Tesseract's own English
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

# 3. (lstm) train: a small network is enough for one font and 37 characters
lstmtraining --traineddata "$work/lang/mrz/mrz.traineddata" \
  --net_spec "[1,36,0,1 Ct3,3,16 Mp3,3 Lfys32 Lbx64 O1c$classes]" \
  --model_output "$work/ckpt/mrz" --learning_rate 0.002 --train_listfile "$work/train.list" \
  --max_iterations "$iterations" --target_error_rate 0.002 > "$work/train.log" 2>&1
grep -E "^At iteration" "$work/train.log" | tail -1
lstmtraining --stop_training --continue_from "$work/ckpt/mrz_checkpoint" \
  --traineddata "$work/lang/mrz/mrz.traineddata" --model_output "$work/lstm/mrz.traineddata"
ls -la "$work/lstm/mrz.traineddata"
