# SPDX-License-Identifier: GPL-2.0
# xen-vgpu top-level build. `make` builds everything into build/;
# SAN=1 builds an ASan+UBSan tree into build-san/; FUZZ=1 a clang tree
# with libFuzzer coverage, ASan and UBSan into build-fuzz/ (`make fuzz`).

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/xen-vgpu
MAN1DIR  ?= $(PREFIX)/share/man/man1
DESTDIR  ?=
# A directory systemd reads units from (`systemd-analyze unit-paths`):
# its own for /usr/local, Debian's for /usr, the admin's for any other.
ifeq ($(PREFIX),/usr/local)
SYSTEMD_UNIT_DIR ?= /usr/local/lib/systemd/system
else ifeq ($(PREFIX),/usr)
SYSTEMD_UNIT_DIR ?= /lib/systemd/system
else
SYSTEMD_UNIT_DIR ?= /etc/systemd/system
endif

CC       ?= cc
PKGS_BACK  := virglrenderer epoxy libvncserver
PKGS_TEST  := cmocka
PKGS_XEN   := xenstore xengnttab xenevtchn
PKGS_TOOL  := xlutil xenlight xentoollog xenstore
# xenvgpu screenshot: a VNC client of the worker, writing PNG.
PKGS_SCREEN := libvncclient libpng

ifeq ($(FUZZ),1)
BUILD    ?= build-fuzz
CC       := clang-14
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1
else ifeq ($(SAN),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1
else
BUILD    ?= build
SANFLAGS :=
OPT      := -O2
endif

CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	    -D_GNU_SOURCE -Iinclude -Icommon -MMD -MP $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   += -lpthread

pc_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pc_libs   = $(shell pkg-config --libs $(1) 2>/dev/null)

COMMON_SRC := $(wildcard common/*.c)
SCHED_SRC  := $(wildcard libvgpusched/*.c)
FRONT_SRC  := $(wildcard frontend/lib/*.c)
BACK_SRC   := $(filter-out backend/main.c,$(wildcard backend/*.c))
VTEST_SRC  := $(filter-out mesa-winsys/main.c,$(wildcard mesa-winsys/*.c))
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_HELPERS := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
TEST_LIB_SRC := $(wildcard tests/support/*.c)
BENCH_SRC  := $(wildcard bench/bench_*.c)
BENCH_HELPERS := $(filter-out $(BENCH_SRC),$(wildcard bench/*.c))
TOOL_SRC   := $(filter-out tools/xenvgpu.c,$(wildcard tools/*.c))
PROG_SRC   := $(wildcard tests/progs/*.c)
FUZZ_SRC   := $(wildcard fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_COMMON := $(BUILD)/lib/libvgpucommon.a
LIB_SCHED  := $(BUILD)/lib/libvgpusched.a
LIB_FRONT  := $(BUILD)/lib/libvgpufront.a
LIB_BACK   := $(BUILD)/lib/libvgpuback.a
LIB_VTEST  := $(BUILD)/lib/libvgpuvtest.a
LIB_TOOLS  := $(BUILD)/lib/libvgputools.a
# The test-support library: what tests and benchmarks share.
LIB_TEST   := $(BUILD)/lib/libvgputest.a

# Its own query, so that without libseccomp-dev the error names seccomp.h.
SECCOMP_LIBS := $(call pc_libs,libseccomp)
BACK_LIBS  := $(call pc_libs,$(PKGS_BACK) $(PKGS_XEN) xencontrol) $(SECCOMP_LIBS)
FRONT_LIBS := $(call pc_libs,$(PKGS_XEN))
BINS       := $(BUILD)/bin/vgpu-backend $(BUILD)/bin/vgpu-vtest \
	      $(BUILD)/bin/xenvgpu
TESTS      := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BENCHES    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
PROGS      := $(patsubst tests/%.c,$(BUILD)/tests/%,$(PROG_SRC))
FUZZERS    := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 300

.PHONY: all tests benches install check demo bench e2e deps clean san-check \
	fuzzers fuzz fuzz-smoke style kcheck symcheck
all: $(BINS) tests benches
# The render tests run the real programs, so tests builds them too.
tests: $(TESTS) $(PROGS) $(BINS)
benches: $(BENCHES)

# Each component sees the protocol, common/, its own headers and the
# public headers of what it uses; tests and fuzzers see everything.
INC_FRONT  := -Ifrontend/lib
INC_SCHED  := -Ilibvgpusched
INC_BACK   := -Ibackend $(INC_SCHED)
INC_VTEST  := -Imesa-winsys $(INC_FRONT)
INC_ALL    := $(INC_BACK) $(INC_VTEST) -Itools -Itests/support
$(BUILD)/obj/frontend/%.o: CFLAGS += $(INC_FRONT)
$(BUILD)/obj/libvgpusched/%.o: CFLAGS += $(INC_SCHED)
$(BUILD)/obj/mesa-winsys/%.o: CFLAGS += $(INC_VTEST)
$(BUILD)/obj/backend/%.o: CFLAGS += $(INC_BACK) $(call pc_cflags,$(PKGS_BACK))
# The daemon adds the devices of domains xl builds, with xenvgpu's code.
$(BUILD)/obj/backend/xl_devices.o: CFLAGS += -Itools $(call pc_cflags,$(PKGS_TOOL))
$(BUILD)/obj/tests/%.o: CFLAGS += $(call pc_cflags,$(PKGS_TEST) $(PKGS_BACK))
$(BUILD)/obj/bench/%.o: CFLAGS += $(INC_ALL) $(call pc_cflags,$(PKGS_BACK))
# xenvgpu finds the schema installed, or in this tree (for tests).
$(BUILD)/obj/tools/%.o: CFLAGS += -Itools $(INC_SCHED) \
	$(call pc_cflags,$(PKGS_TOOL) $(PKGS_SCREEN)) \
	-DVGPU_SCHEMA_INSTALLED='"$(DATADIR)/vgpu.schema"' \
	-DVGPU_SCHEMA_SRC='"$(CURDIR)/xenstore-schema/vgpu.schema"'
$(BUILD)/obj/tests/%.o: CFLAGS += $(INC_ALL) \
	-DVGPU_SRCDIR='"$(CURDIR)"'
$(BUILD)/obj/tests/progs/%.o: CFLAGS += -Itests/progs/common
$(BUILD)/obj/fuzz/%.o: CFLAGS += $(INC_ALL) -Itests $(call pc_cflags,$(PKGS_BACK))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB_COMMON): $(call obj,$(COMMON_SRC))
$(LIB_SCHED): $(call obj,$(SCHED_SRC))
$(LIB_FRONT): $(call obj,$(FRONT_SRC))
$(LIB_BACK): $(call obj,$(BACK_SRC))
$(LIB_VTEST): $(call obj,$(VTEST_SRC))
$(LIB_TOOLS): $(call obj,$(TOOL_SRC))
$(LIB_TEST): $(call obj,$(TEST_LIB_SRC))
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/bin/vgpu-backend: $(call obj,backend/main.c) $(LIB_BACK) $(LIB_TOOLS) \
			   $(LIB_SCHED) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -Wl,--export-dynamic-symbol=pthread_setname_np \
		-o $@ $^ $(BACK_LIBS) $(call pc_libs,$(PKGS_TOOL) $(PKGS_SCREEN)) \
		$(LDLIBS)

$(BUILD)/bin/vgpu-vtest: $(call obj,mesa-winsys/main.c) $(LIB_VTEST) $(LIB_FRONT) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(FRONT_LIBS) $(LDLIBS)

$(BUILD)/bin/xenvgpu: $(call obj,tools/xenvgpu.c) $(LIB_TOOLS) $(LIB_SCHED) \
		      $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_TOOL) $(PKGS_SCREEN)) \
		$(LDLIBS)

# Every test and benchmark links every library; the linker keeps what
# each one uses (tests use only the parts of libvgputools that need no
# Xen: the spec, xl's config text through libxlutil, the schema).
ALL_LIBS := $(LIB_TOOLS) $(LIB_VTEST) $(LIB_FRONT) $(LIB_BACK) $(LIB_SCHED) \
	    $(LIB_COMMON)

$(BUILD)/tests/%: $(call obj,tests/%.c) $(call obj,$(TEST_HELPERS)) $(LIB_TEST) \
		  $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS_TEST)) $(BACK_LIBS) \
		$(call pc_libs,$(PKGS_TOOL) $(PKGS_SCREEN)) -lEGL -lGL $(LDLIBS)

# Test programs (tests/progs/*.c): plain GL clients the render tests run
# as child processes. Of the project's libraries they link only the
# test-support library's EGL setup.
$(BUILD)/tests/progs/%: $(call obj,tests/progs/%.c \
			  tests/progs/common/gl_offscreen.c) $(LIB_TEST)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lEGL -lGLESv2 $(LDLIBS)

$(BUILD)/tests/progs/ppmdiff: $(call obj,tests/progs/ppmdiff.c tests/ppm.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# kmspattern: a KMS client of the guest kernel driver, libdrm only.
$(BUILD)/obj/tests/progs/common/kms_target.o: CFLAGS += $(call pc_cflags,libdrm)
$(BUILD)/obj/tests/progs/kmspattern.o: CFLAGS += $(call pc_cflags,libdrm)
$(BUILD)/tests/progs/kmspattern: $(call obj,tests/progs/kmspattern.c \
				 tests/progs/common/kms_target.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,libdrm) $(LDLIBS)

# kmsgl: Mesa through GBM and EGL onto the KMS screen.
$(BUILD)/obj/tests/progs/kmsgl.o: CFLAGS += $(call pc_cflags,libdrm gbm)
$(BUILD)/tests/progs/kmsgl: $(call obj,tests/progs/kmsgl.c \
			    tests/progs/common/kms_target.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lEGL -lGLESv2 \
		$(call pc_libs,libdrm gbm) $(LDLIBS)

$(BUILD)/bench/%: $(call obj,bench/%.c $(BENCH_HELPERS)) $(LIB_TEST) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(BACK_LIBS) -lEGL -lGL $(LDLIBS)

# The screen benchmark (bench/screen/): the guest's animation and dom0's
# VNC recorder, two plain programs with their own libraries.
SCREEN_BENCHES := $(BUILD)/bench/screen-anim $(BUILD)/bench/screen-gl \
		  $(BUILD)/bench/screen-vncrec
benches: $(SCREEN_BENCHES)
$(BUILD)/obj/bench/screen/%.o: CFLAGS += -Ibench -Itests/progs/common \
	$(call pc_cflags,libdrm libvncclient gbm egl glesv2)

$(BUILD)/bench/screen-anim: $(call obj,bench/screen/anim.c \
			    bench/screen/anim_fbdev.c bench/screen/anim_kms.c \
			    tests/progs/common/kms_target.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,libdrm) $(LDLIBS)

$(BUILD)/bench/screen-gl: $(call obj,bench/screen/gl.c bench/screen/gl_fbdev.c \
			  bench/screen/gl_kms.c bench/screen/anim_fbdev.c \
			  tests/progs/common/kms_target.c \
			  tests/progs/common/gl_offscreen.c) $(LIB_TEST)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,libdrm gbm egl glesv2) -lm $(LDLIBS)

$(BUILD)/bench/screen-vncrec: $(call obj,bench/screen/vncrec.c bench/stats.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,libvncclient xencontrol) $(LDLIBS)

# Fuzz targets (FUZZ=1): libFuzzer's main. fuzz/virgl_stub.c stands in
# for virglrenderer and fuzz/fake_front.c for libvgpufront, ahead of the
# libraries (fuzz/fuzz_dispatch.c and fuzz/fuzz_vtest.c say why).
FUZZ_HELPERS := fuzz/virgl_stub.c fuzz/fake_front.c tests/page_tp.c
fuzzers: $(FUZZERS)

$(BUILD)/fuzz/%: $(call obj,fuzz/%.c $(FUZZ_HELPERS)) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ \
		$(call pc_libs,$(PKGS_XEN) xencontrol libvncserver) \
		$(SECCOMP_LIBS) $(LDLIBS)

# The unit names BINDIR, so it is filled in here, where BINDIR is final.
install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MAN1DIR) \
		$(DESTDIR)$(SYSTEMD_UNIT_DIR)
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 0644 xenstore-schema/vgpu.schema $(DESTDIR)$(DATADIR)
	install -m 0644 docs/xenvgpu.1 $(DESTDIR)$(MAN1DIR)
	sed 's|@BINDIR@|$(BINDIR)|g' backend/vgpu-backend.service.in \
		> $(DESTDIR)$(SYSTEMD_UNIT_DIR)/vgpu-backend.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/vgpu-backend.service

# The README's two commands. Each installs what it needs first.
deps-%:
	tools/deps.sh $*

demo: deps-demo
	$(MAKE) $(BINS)
	tools/demo.sh $(BUILD)

check: deps-check
	$(MAKE) style
	$(MAKE) kcheck
	$(MAKE) modules
	$(MAKE) all
	$(MAKE) symcheck
	$(MAKE) SAN=1 tests
	tests/run.sh $(BUILD) build-san

# The house style on every file git tracks; tools/style-check.py says
# what it checks. It takes paths too: tools/style-check.py frontend/
style:
	tools/style-check.py

# Every symbol libvgpusched defines carries its prefix, vgpu_sched_, the
# ones its files share as well as its API (libvgpusched/table.h).
symcheck: $(LIB_SCHED)
	@bad=$$(nm -g --defined-only $< | \
		awk 'NF == 3 && $$3 !~ /^vgpu_sched_/ { print $$3 }'); \
	test -z "$$bad" || { echo "symcheck: $< defines unprefixed" \
		"symbols:" $$bad; exit 1; }

# include/vgpuif.h built as the guest kernel builds it: frontend/linux/,
# in a copy under $(BUILD)/kcheck, against the headers of KDIR (the
# running kernel's, else the newest linux-headers-*-amd64 installed). The
# kernel's make gets none of this make's flags or variables.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | \
		tail -n 1))
kcheck:
	@test -n "$(KDIR)" || { echo "kcheck: no kernel headers;" \
		"tools/deps.sh check installs them"; exit 1; }
	rm -rf $(BUILD)/kcheck && mkdir -p $(BUILD)/kcheck
	cp frontend/linux/Kbuild frontend/linux/*.c $(BUILD)/kcheck/
	env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL \
		make -C $(KDIR) M=$(CURDIR)/$(BUILD)/kcheck \
		VGPU_INCLUDE=$(CURDIR)/include modules

# The guest kernel frontend, xen_vgpu.ko, built from a copy under
# $(BUILD)/modules against KDIR as kcheck is. The copy carries
# include/vgpuif.h and dkms.conf, so it is also a DKMS source tree.
# kfront-selftest, its uAPI test for a domU, takes <drm/virtgpu_drm.h>
# from KDIR's uapi headers (Debian keeps them in the -common package),
# which are not yet stripped of __user.
KUAPI = $(firstword $(wildcard $(KDIR)/include/uapi \
	$(patsubst %-amd64,%-common,$(realpath $(KDIR)))/include/uapi))
.PHONY: modules
modules:
	@test -n "$(KDIR)" || { echo "modules: no kernel headers;" \
		"tools/deps.sh check installs them"; exit 1; }
	rm -rf $(BUILD)/modules && mkdir -p $(BUILD)/modules/include
	cp frontend/linux/Kbuild frontend/linux/dkms.conf frontend/linux/*.c \
		frontend/linux/*.h $(BUILD)/modules/
	cp include/vgpuif.h $(BUILD)/modules/include/
	env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL \
		make -C $(KDIR) M=$(CURDIR)/$(BUILD)/modules VGPU_MODULES=m \
		VGPU_WERROR=1 modules
	@test -n "$(KUAPI)" || { echo "modules: no uapi headers in $(KDIR)"; \
		exit 1; }
	mkdir -p $(BUILD)/modules/selftest
	$(CC) -O2 -g -Wall -Wextra -Werror -D__user= -idirafter $(KUAPI) \
		-o $(BUILD)/modules/selftest/kfront-selftest \
		frontend/linux/selftest/kfront_selftest.c

bench: deps-bench
	$(MAKE) all
	bench/run.sh $(BUILD)

# Each fuzz target for FUZZ_SECONDS on its checked-in corpus, after
# replaying fuzz/regressions/; fuzz-smoke does the same for 15 s each.
fuzz: deps-fuzz
	$(MAKE) FUZZ=1 fuzzers
	fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

fuzz-smoke: deps-fuzz
	$(MAKE) FUZZ=1 fuzzers
	fuzz/run.sh build-fuzz 15

# Boots Xen under QEMU and runs tests/e2e/steps/ in dom0 and domUs.
e2e:
	tests/e2e/deps.sh
	$(MAKE) all
	tests/e2e/run.sh $(BUILD)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
