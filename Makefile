# sbx: a plain Makefile with pkg-config. `make` builds ./sbx; objects go under $(BUILD)/.
#
#   make                 build ./sbx
#   make deps            install the Debian packages the build, the tests and the engine need
#   make test            deps, build, then every test (unit, fuzz corpus replay, CLI, schema)
#   make check-asan      the same tests built with AddressSanitizer + UBSan, leaks on
#   make check-valgrind  the unit tests and the fuzz replay under valgrind, leaks are errors
#   make fuzz            the libFuzzer target for the config loader (clang)
#   make demo            the main job, on a fresh machine
#   make install PREFIX=/usr/local DESTDIR=
#   make fmt             clang-format every C file
#   make clean

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
BUILD   ?= build
SBX_BIN ?= ./sbx

CC      ?= cc
CFLAGS  ?= -O2 -g
PKGS    := yaml-0.1 json-c libcurl libgit2 libcrypto

# The library flags are asked of pkg-config when a recipe first needs them, not
# when the Makefile is read: `make demo` and `make test` install the -dev
# packages (make deps) before anything is compiled. A module pkg-config cannot
# find stops the build with its name. `once` keeps the first answer.
pkg_missing = $(strip $(foreach m,$(1),$(if $(shell pkg-config --exists $(m) && echo y),,$(m))))
pkg_flags = $(if $(call pkg_missing,$(2)),$(error pkg-config cannot find $(call \
	pkg_missing,$(2)): run 'make deps' (Debian/Ubuntu) or install the development \
	packages that provide them),$(shell pkg-config $(1) $(2)))
once = $(eval $(1) := $(2))$($(1))
PKG_CFLAGS = $(call once,PKG_CFLAGS,$(call pkg_flags,--cflags,$(PKGS)))
PKG_LIBS = $(call once,PKG_LIBS,$(call pkg_flags,--libs,$(PKGS)))
CMOCKA_LIBS = $(call once,CMOCKA_LIBS,$(call pkg_flags,--libs,cmocka))

SCHEMA_URL := file://$(DATADIR)/sbx/sandbox.schema.json
SBX_CFLAGS = -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
	-D_GNU_SOURCE -Isrc $(PKG_CFLAGS) -MMD -MP \
	-DSBX_SCHEMA_URL='"$(SCHEMA_URL)"' $(EXTRA_CFLAGS)
SBX_LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)
LIBS = $(PKG_LIBS) -lm

LIB_SRC := $(wildcard src/lib/*.c)
CLI_SRC := $(wildcard src/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIBSBX  := $(BUILD)/libsbx.a

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%_replay)

.PHONY: FORCE all deps test test-run check-asan check-valgrind fuzz demo install clean fmt bench

all: sbx

# The sbx binary at the root is the default build's; sanitizer builds keep theirs in $(BUILD).
sbx: $(BUILD)/sbx
	@if [ "$(BUILD)" = build ]; then cp $(BUILD)/sbx sbx; fi

$(BUILD)/sbx: $(CLI_OBJ) $(LIBSBX)
	$(CC) $(CFLAGS) $(SBX_CFLAGS) -o $@ $(CLI_OBJ) $(LIBSBX) $(SBX_LDFLAGS) $(LIBS)

$(LIBSBX): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# Objects depend on the flags they were built with (git's GIT-CFLAGS), so that
# `make install PREFIX=...` rebuilds what embeds the prefix.
FLAGS_NOW = $(CC) $(CFLAGS) $(SBX_CFLAGS)
$(BUILD)/cflags: FORCE
	@mkdir -p $(@D)
	@if [ "$$(cat $@ 2>/dev/null)" != '$(subst ','"'"',$(FLAGS_NOW))' ]; then \
		printf '%s\n' '$(subst ','"'"',$(FLAGS_NOW))' >$@; fi

$(BUILD)/%.o: %.c $(BUILD)/cflags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SBX_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBSBX)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SBX_CFLAGS) -o $@ $< $(LIBSBX) $(SBX_LDFLAGS) $(LIBS) $(CMOCKA_LIBS)

# The apply tests run through the in-memory fake backend.
$(BUILD)/tests/test_apply: tests/unit/test_apply.c tests/unit/fake_backend.c tests/unit/fake_backend.h \
		$(LIBSBX)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SBX_CFLAGS) -o $@ $< tests/unit/fake_backend.c $(LIBSBX) $(SBX_LDFLAGS) \
		$(LIBS) $(CMOCKA_LIBS)

# The output renderers are the command line's: its objects, linked in.
$(BUILD)/tests/test_output: tests/unit/test_output.c $(BUILD)/src/output.o $(BUILD)/src/opt.o \
		$(LIBSBX)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SBX_CFLAGS) -o $@ $< $(BUILD)/src/output.o $(BUILD)/src/opt.o $(LIBSBX) \
		$(SBX_LDFLAGS) $(LIBS) $(CMOCKA_LIBS)

# The fuzz targets, linked to a standalone driver that replays a corpus (libgit2's way).
$(BUILD)/tests/fuzz_%_replay: tests/fuzz/fuzz_%.c tests/fuzz/standalone.c $(LIBSBX)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SBX_CFLAGS) -o $@ $< tests/fuzz/standalone.c $(LIBSBX) \
		$(SBX_LDFLAGS) $(LIBS)

deps:
	@sh contrib/install-deps.sh

# The README's test command: installs what is missing, builds, runs everything.
test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory test-run

# The plain build's run also runs the long checks (300 recreates in a row); the sanitizer
# build's run (check-asan) does not.
test-run: sbx $(UNIT_BIN) $(REPLAY_BIN)
	@SBX_TEST_LONG=$(if $(filter build,$(BUILD)),$(SBX_TEST_LONG),) sh tests/run.sh "$(BUILD)" "$(SBX_BIN)"

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

check-asan: deps
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MAKE) --no-print-directory BUILD=build/asan SBX_BIN=build/asan/sbx \
		CFLAGS="$(ASAN_FLAGS)" EXTRA_LDFLAGS="-fsanitize=address,undefined" test-run

check-valgrind: deps
	@$(MAKE) --no-print-directory $(UNIT_BIN) $(REPLAY_BIN) sbx
	@sh tests/valgrind.sh "$(BUILD)"

# libFuzzer needs clang: `make fuzz` builds $(BUILD)/fuzz/fuzz_config; run it on the corpus.
fuzz:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build/fuzz/libsbx.a
	@mkdir -p build/fuzz
	clang -O1 -g -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
		$(PKG_CFLAGS) -o build/fuzz/fuzz_config tests/fuzz/fuzz_config.c \
		build/fuzz/libsbx.a $(LIBS)
	@echo "run: build/fuzz/fuzz_config -max_total_time=60 tests/fuzz/corpus/config"

# Each step in its own make, so that what deps installed is found (also under -j).
demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory sbx
	@sh contrib/demo.sh

bench: sbx
	@sh contrib/bench.sh

install: sbx
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/sbx
	install -m 0755 sbx $(DESTDIR)$(BINDIR)/sbx
	install -m 0644 schema/sandbox.schema.json $(DESTDIR)$(DATADIR)/sbx/sandbox.schema.json
	install -m 0755 contrib/ci/sbx-review.sh $(DESTDIR)$(DATADIR)/sbx/sbx-review.sh

clean:
	rm -rf build sbx

fmt:
	clang-format -i $(wildcard src/*.c src/*.h src/lib/*.c src/lib/*.h tests/unit/*.c \
		tests/fuzz/*.c)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d) $(REPLAY_BIN:=.d)
