# ekycd build. `make` builds build/ekycd; `make test` builds with ASan+UBSan and runs every test;
# `make run` installs what is missing, builds and starts the server on 127.0.0.1:8080.

CC       ?= cc
PKGS     := libmicrohttpd jansson sqlite3 libsodium libprotobuf-c libjpeg libpng lept libheif libcrypto \
            tesseract libpq libqrencode
TESTPKGS := cmocka libcurl
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
BASEFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) -Isrc -Ibuild/gen -MMD -MP
RELFLAGS := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
SANFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldnnl -lgomp -lpthread -lm
TEST_LIBS  = $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

SRC      := $(shell find src -name '*.c' | sort)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
MIGRATIONS := $(sort $(wildcard src/store/migrations/sqlite/*.sql))
PG_MIGRATIONS := $(sort $(wildcard src/store/migrations/pg/*.sql))
WEB_FILES := $(sort $(wildcard web/*))
GEN_SRC  := build/gen/sqlite_migrations.c build/gen/pg_migrations.c build/gen/web_files.c build/gen/onnx.pb-c.c
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
API_SRC  := $(sort $(wildcard tests/api/test_*.c))

REL_OBJ  := $(patsubst %.c,build/release/%.o,$(LIB_SRC) $(GEN_SRC))
SAN_OBJ  := $(patsubst %.c,build/asan/%.o,$(LIB_SRC) $(GEN_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,build/asan/tests/%,$(UNIT_SRC))
API_BIN  := $(patsubst tests/api/%.c,build/asan/tests/%,$(API_SRC))
TEST_HDRS := $(wildcard tests/*.h tests/unit/*.h)

.PHONY: all asan test run deps models liveness-default bench-nn bench-face bench-index bench-nodes bench-jobs fuzz-nn face-eval mrz-lines doc-eval doc-eval-views mykad-eval visual-eval ghost-eval font-eval screen-eval doc-quality bench-doc format format-check clean
all: build/ekycd

deps:
	@scripts/deps.sh

build/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -O1 $(WARN) -o $@ $<

build/gen/sqlite_migrations.c: build/tools/embed $(MIGRATIONS)
	@mkdir -p $(@D)
	build/tools/embed sqlite_migrations $@ $(MIGRATIONS)

build/gen/pg_migrations.c: build/tools/embed $(PG_MIGRATIONS)
	@mkdir -p $(@D)
	build/tools/embed pg_migrations $@ $(PG_MIGRATIONS)

# The capture page (web/), served from the binary.
build/gen/web_files.c: build/tools/embed $(WEB_FILES)
	@mkdir -p $(@D)
	build/tools/embed web_files $@ $(WEB_FILES)

# ONNX protobuf reader, generated from Debian's onnx.proto (package libonnx-dev).
build/gen/onnx.pb-c.c build/gen/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p build/gen
	cp $(ONNX_PROTO) build/gen/onnx.proto
	cd build/gen && protoc-c --c_out=. onnx.proto

# nn/ objects need the generated header first
$(patsubst %.c,build/release/%.o,$(wildcard src/nn/*.c)) $(patsubst %.c,build/asan/%.o,$(wildcard src/nn/*.c)): build/gen/onnx.pb-c.h

# Hot numeric code: full optimisation and FMA contraction in the release build.
build/release/src/nn/%.o: RELFLAGS += -O3 -ffp-contract=fast -mprefer-vector-width=512
build/release/src/kyc/face_index.o: RELFLAGS += -O3

build/release/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC+SAN  $<"
	@$(CC) $(BASEFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/release/libekycd.a: $(REL_OBJ)
	@ar rcs $@ $^

build/asan/libekycd.a: $(SAN_OBJ)
	@ar rcs $@ $^

build/ekycd: build/release/src/main.o build/release/libekycd.a
	$(CC) $(RELFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/ekycd: build/asan/src/main.o build/asan/libekycd.a
	$(CC) $(SANFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/tests/%: tests/unit/%.c build/asan/libekycd.a $(TEST_HDRS)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	@$(CC) $(BASEFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -Itests -o $@ $< build/asan/libekycd.a $(PKG_LIBS) $(TEST_LIBS)

build/asan/tests/%: tests/api/%.c build/asan/libekycd.a $(TEST_HDRS)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	@$(CC) $(BASEFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -Itests -o $@ $< build/asan/libekycd.a $(PKG_LIBS) $(TEST_LIBS)

asan: build/asan/ekycd $(UNIT_BIN) $(API_BIN)

models:
	@scripts/fetch-models.sh

# Every test: unit and API tests under AddressSanitizer + UndefinedBehaviorSanitizer (SQLite, then
# PostgreSQL), then the capture page in Chromium (tests/browser); each pass runs even when an
# earlier one failed (tests/all.sh). Tests that need ../shared/data (or $EKYCD_SHARED_DATA) skip
# without it, and the summary counts them.
test: deps
	@scripts/fetch-models.sh
	@scripts/fetch-ort.sh
	$(MAKE) asan build/ekycd build/face-motion
	tests/all.sh "$(UNIT_BIN) $(API_BIN)" "$(API_BIN)"

run: deps
	@scripts/fetch-models.sh
	$(MAKE) build/ekycd
	scripts/run.sh

format:
	clang-format -i $(SRC) $(UNIT_SRC) $(API_SRC) $(wildcard src/*/*.h src/*.h tests/*.h) tools/embed.c

format-check:
	clang-format --dry-run --Werror $(SRC) $(UNIT_SRC) $(API_SRC) $(wildcard src/*/*.h src/*.h tests/*.h)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- inference core: benchmark tool ----
build/bench-nn: bench/nn/bench_nn.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

# libFuzzer over the ONNX loader (clang); seeds are the pinned models. FUZZ_SECONDS to bound it.
FUZZ_SECONDS ?= 60
fuzz-nn: build/gen/onnx.pb-c.h models
	@mkdir -p build/fuzz/corpus
	cp models/*.onnx build/fuzz/corpus/ 2>/dev/null || true
	clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Ibuild/gen \
	    $(PKG_CFLAGS) -o build/fuzz/fuzz_onnx_load tests/fuzz/fuzz_onnx_load.c \
	    src/nn/*.c build/gen/onnx.pb-c.c $(PKG_LIBS)
	build/fuzz/fuzz_onnx_load -max_total_time=$(FUZZ_SECONDS) -max_len=300000 build/fuzz/corpus

# ONNX Runtime through its C API (the libonnxruntime.so that onnxruntime-node ships, opened with
# dlopen), and a copy of a model with its subnormal weights flushed to zero, made at bench time.
build/ort-c-bench: bench/nn/ort_c.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS) -ldl

build/onnx-flush: bench/nn/flush_subnormals.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

# One line per model: ekycd vs ONNX Runtime (through Node and through its C API, and on a copy
# with subnormal weights flushed), one thread each, same inputs (docs/performance.md).
bench-nn: models build/bench-nn build/ort-c-bench build/onnx-flush
	@scripts/fetch-ort.sh
	@bench/nn/run.sh

# ---- the 1:N face index: 10k, 100k and 1M synthetic templates, one core (docs/performance.md) ----
build/index-bench: bench/index/index_bench.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

INDEX_BENCH_SIZES ?= 10000 100000 1000000
bench-index: build/index-bench
	@for n in $(INDEX_BENCH_SIZES); do taskset -c 0 build/index-bench $$n || exit 1; done

# ---- scale-out: one vs two nodes on PostgreSQL (docs/deploy.md) ----
build/nodes-bench: bench/nodes/nodes_bench.c
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS) $(TEST_LIBS)

bench-nodes: models build/ekycd build/nodes-bench
	bench/nodes/run.sh

# ---- the job journal's cost per OkayID/OkayDoc call (docs/jobs.md, docs/performance.md) ----
build/jobs-bench: bench/jobs/jobs_bench.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

bench-jobs: build/jobs-bench
	build/jobs-bench $(JOBS_STORE)

# ---- synthetic MyKad fronts (tools/mykad-gen; docs/accuracy.md says they are synthetic) ----
build/mykad-gen: tools/mykad-gen/mykad_gen.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) $$(pkg-config --cflags cairo) -o $@ $< build/release/libekycd.a $(PKG_LIBS) $$(pkg-config --libs cairo)

# MyKad reading on synthetic fronts: a flat set and a set of photos (cards on a table), seeds
# never used while developing the reader, plus the shared documents as negatives.
MYKAD_EVAL_N ?= 100
MYKAD_FACES  := ../shared/data/faces-pairs/dev/images/lfw
build/mykad-eval-bin: bench/doc-eval/mykad_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

mykad-eval: models build/mykad-gen build/mykad-eval-bin
	rm -rf build/mykad-eval && mkdir -p build/mykad-eval
	build/mykad-gen --out build/mykad-eval/flat --faces $(MYKAD_FACES) --count $(MYKAD_EVAL_N) --seed 101 >/dev/null
	build/mykad-gen --out build/mykad-eval/photo --faces $(MYKAD_FACES) --count $(MYKAD_EVAL_N) --seed 102 --photo >/dev/null
	build/mykad-eval-bin models ocr build/mykad-eval/flat --turns 20 --negatives ../shared/data/documents/dev
	build/mykad-eval-bin models ocr build/mykad-eval/photo

# ---- face pipeline: accuracy on the shared pairs (docs/accuracy.md) ----
build/face-eval: bench/face-eval/face_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

face-eval: models build/face-eval
	build/face-eval ../shared/data/faces-pairs/dev models

# ---- documents: MRZ line OCR on the shared line crops (docs/accuracy.md) ----
build/mrz-lines: bench/doc-eval/mrz_lines.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

mrz-lines: build/mrz-lines
	build/mrz-lines ../shared/data/mrz-vectors/lines ocr $(or $(MODEL),cells) $(or $(STEP),1)

# ---- documents: MRZ found and read in the shared document images (docs/accuracy.md) ----
build/doc-eval: bench/doc-eval/doc_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

doc-eval: build/doc-eval
	build/doc-eval ../shared/data/documents/dev ocr $(DOC_EVAL_FLAGS)

# the transcribed dev documents as phone photos: at an angle, dim, glare, blur, noise, JPEG
# (bench/doc-eval/views.py; Debian python3-pil, python3-numpy)
PYTHON ?= /usr/bin/python3
DOC_VIEWS := top15 top25 side15 rot8top15 dim glare blur1 noise jpeg40 half
doc-eval-views: build/doc-eval
	$(PYTHON) bench/doc-eval/views.py ../shared/data/documents/dev build/views
	for view in $(DOC_VIEWS); do echo "== $$view"; \
	  build/doc-eval build/views/$$view ocr | grep -E '^transcribed|^time'; done

# MRZ versus visual zone on the dev documents (bench/doc-eval/visual_eval.c)
build/visual-eval: bench/doc-eval/visual_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

visual-eval: build/visual-eval
	build/visual-eval ../shared/data/documents/dev ocr $(VISUAL_EVAL_FLAGS)

# OkayDoc's photo-substitution check: the shared specimens (all genuine) and synthetic MyKad
# photos with a ghost image, half of them with a substituted portrait; and its ghost-colour
# check: MyKad photos whose ghost is printed in colour on half of them (seeds not used while
# building the checks: 201, 104 and 108 were; docs/okaydoc.md).
GHOST_EVAL_N ?= 100
build/ghost-eval: bench/doc-eval/ghost_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

ghost-eval: models build/mykad-gen build/ghost-eval
	rm -rf build/ghost-cards
	build/mykad-gen --out build/ghost-cards --faces $(MYKAD_FACES) --count $(GHOST_EVAL_N) --seed 105 --photo --ghost 50 >/dev/null
	rm -rf build/ghost-colour-cards
	build/mykad-gen --out build/ghost-colour-cards --faces $(MYKAD_FACES) --count $(GHOST_EVAL_N) --seed 109 --photo --ghost 0 --ghost-colour 50 >/dev/null
	build/ghost-eval models ocr ../shared/data/documents/dev build/ghost-cards build/ghost-colour-cards $(GHOST_EVAL_FLAGS)

# OkayDoc's MyKad print checks: synthetic MyKad photos, half of them with one or two digits of
# the IC number edited (docs/okaydoc.md "Font check"), and photos where every card printed
# without a religion has one added (docs/okaydoc.md "Religion field"). Seeds 106 and 110 were
# the development sets.
FONT_EVAL_N ?= 100
FONT_EVAL_SEED ?= 107
build/font-eval: bench/doc-eval/font_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

font-eval: models build/mykad-gen build/font-eval
	rm -rf build/font-cards
	build/mykad-gen --out build/font-cards --faces $(MYKAD_FACES) --count $(FONT_EVAL_N) --seed $(FONT_EVAL_SEED) --photo --edit-ic 50 >/dev/null
	rm -rf build/religion-cards
	build/mykad-gen --out build/religion-cards --faces $(MYKAD_FACES) --count $(FONT_EVAL_N) --seed 111 --photo --edit-religion 100 >/dev/null
	build/font-eval models ocr build/font-cards build/religion-cards $(FONT_EVAL_FLAGS)

# OkayDoc's screen-recapture check: documents and synthetic MyKad photos as they are and
# photographed off a simulated display (bench/doc-eval/recapture.py; Debian python3-pil,
# python3-numpy). Development: the Arg0s1080 specimens, MyKad seed 112, recapture seed 1.
# Evaluation (below): the other specimens, MyKad seed 113, recapture seed 2; and the liveness
# development set (real webcam screen replays, measured whole).
SCREEN_EVAL_N ?= 40
build/screen-eval: bench/doc-eval/screen_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

build/screen-specimens/documents.jsonl: ../shared/data/documents/dev/documents.jsonl
	mkdir -p build/screen-specimens
	grep -v Arg0s1080 $< > $@
	ln -sfn $(abspath ../shared/data/documents/dev/images) build/screen-specimens/images

screen-eval: models build/mykad-gen build/screen-eval build/screen-specimens/documents.jsonl
	rm -rf build/screen-cards build/screen-set
	build/mykad-gen --out build/screen-cards --faces $(MYKAD_FACES) --count $(SCREEN_EVAL_N) --seed 113 --photo >/dev/null
	$(PYTHON) bench/doc-eval/recapture.py 2 build/screen-set build/screen-specimens build/screen-cards
	build/screen-eval models ocr build/screen-set ../shared/data/liveness/dev $(SCREEN_EVAL_FLAGS)

build/doc-quality: bench/doc-eval/doc_quality.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

# OkayDoc's blur, brightness and colour measures on the shared documents, as is and degraded.
doc-quality: build/doc-quality
	build/doc-quality ../shared/data/documents/dev

build/doc-bench: bench/doc/doc_bench.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

# One OkayID reading of a 2-MP passport photo (JPEG), one core: p50/p95 (docs/performance.md).
DOC_BENCH_IMAGE ?= ../shared/data/documents/dev/images/konstantint__PassportEye/100_pass-ltu.jpg
bench-doc: models build/doc-bench
	taskset -c 0 build/doc-bench $(DOC_BENCH_IMAGE) 2 30

build/face-bench: bench/face/face_bench.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

# One OkayFace comparison of two 1-MP JPEGs, one core: p50/p95 (docs/performance.md).
bench-face: models build/face-bench
	build/face-bench 100

# ---- challenge liveness ----
# build/face-motion: synthetic videos (y4m, JPEG frames) of a face following or not following a
# challenge, from one photo (tools/face-motion; the browser tests' fake camera).
# challenge-eval: kyc/challenge's verifier on honest and attack sequences made that way from
# LFW identities, thresholds chosen on the even-indexed identities and reported on the odd ones
# (bench/challenge-eval; docs/accuracy.md "Challenge liveness").
build/face-motion: tools/face-motion/main.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -o $@ $< build/release/libekycd.a $(PKG_LIBS)

build/challenge-eval: bench/challenge-eval/challenge_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -Itools/face-motion -o $@ $< build/release/libekycd.a $(PKG_LIBS)

CHALLENGE_EVAL_N ?= 100
# Server time of the capture page's calls over whole type-00 flows (docs/performance.md).
.PHONY: bench-h5
bench-h5: models build/ekycd build/face-motion
	bench/h5/h5_bench.py $(or $(FLOWS),5)

.PHONY: challenge-eval
# How the shipped default liveness threshold was chosen and what it is worth (docs/liveness.md)
liveness-default: models build/ekycd
	bench/liveness/default_threshold.sh

challenge-eval: models build/challenge-eval
	build/challenge-eval ../shared/data/faces-pairs/dev models $(CHALLENGE_EVAL_N) $(CHALLENGE_EVAL_FLAGS)

# ---- gaze liveness ----
# gaze-eval: kyc/gaze's verifier on honest and attack sequences rendered by tools/face-motion from
# LFW identities (bench/gaze-eval; docs/gaze.md, docs/accuracy.md "Gaze liveness").
build/gaze-eval: bench/gaze-eval/gaze_eval.c build/release/libekycd.a
	@echo "  LD      $@"
	@$(CC) $(BASEFLAGS) $(RELFLAGS) $(PKG_CFLAGS) -Itools/face-motion -o $@ $< build/release/libekycd.a $(PKG_LIBS)

GAZE_EVAL_N ?= 100
.PHONY: gaze-eval
gaze-eval: models build/gaze-eval
	build/gaze-eval ../shared/data/faces-pairs/dev models $(GAZE_EVAL_N) $(GAZE_EVAL_FLAGS)

# ---- browser tests ----
# The capture page (web/) in real Chromium (Debian's chromium, playwright-core and axe-core from
# npm; tests/browser/run.sh installs what is missing): a type-00 MyKad flow, a type-01 passport
# flow across two devices, a failed challenge, invalid and expired links, axe on every step.
# Screenshots of every step: build/browser-shots/<test>/NN-step.png.
.PHONY: test-browser
test-browser: models build/ekycd build/face-motion
	tests/browser/run.sh
# ---- browser tests ----
