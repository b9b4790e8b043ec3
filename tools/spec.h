/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vgpu= spec of a guest config: "key=value,key=value", parsed into a
 * struct vgpu_spec. Pure: no Xen calls, no I/O, so that it can be fed
 * anything (unit tests, a fuzzer).
 */
#ifndef XENVGPU_SPEC_H
#define XENVGPU_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpu_sched.h"

#define VGPU_PAGE_SIZE          4096u
#define VGPU_SPEC_MAX_LEN       1024    /* longest spec accepted */
#define VGPU_SPEC_NAME_MAX      64      /* backend name, NUL included */
#define VGPU_DOMID_MAX          32751u  /* DOMID_FIRST_RESERVED - 1 */

/* The scheduler's ranges: what the spec accepts, it can apply. */
#define VGPU_SPEC_WEIGHT_MIN    VGPU_SCHED_WEIGHT_MIN
#define VGPU_SPEC_WEIGHT_MAX    VGPU_SCHED_WEIGHT_MAX
#define VGPU_SPEC_WEIGHT_DEF    VGPU_SCHED_WEIGHT_DEF
#define VGPU_SPEC_CAP_MAX       VGPU_SCHED_CAP_MAX
#define VGPU_SPEC_CAP_DEF       0u
#define VGPU_SPEC_VRAM_MIN      (16ull << 20)   /* 4096 pages */
#define VGPU_SPEC_VRAM_MAX      (64ull << 30)   /* 16777216 pages */
#define VGPU_SPEC_VRAM_DEF      (256ull << 20)
/* The screen: vgpuif.h's scanout-width/height, and vfb='s VNC keys. */
#define VGPU_SPEC_DIM_MAX       8192u   /* VGPUIF_SCANOUT_MAX_DIM */
#define VGPU_SPEC_WIDTH_DEF     1024u
#define VGPU_SPEC_HEIGHT_DEF    768u
#define VGPU_SPEC_VNCDISPLAY_MAX 99u    /* ports 5900 to 5999 */
#define VGPU_SPEC_VNCPASSWD_MAX 8       /* what VNC authentication uses */
#define VGPU_SPEC_VNCLISTEN_DEF "127.0.0.1"

struct vgpu_spec {
	char backend[VGPU_SPEC_NAME_MAX]; /* as written: a name or a domid */
	bool backend_is_id;     /* backend is all digits */
	uint32_t backend_id;    /* its value when backend_is_id */
	uint32_t weight;        /* scheduler weight */
	uint32_t cap;           /* percent of the GPU's time, 0 = uncapped */
	uint64_t vram;          /* bytes the backend may map, page multiple */
	uint32_t width;         /* the screen's mode */
	uint32_t height;
	bool vnc;               /* dom0 shows the screen over VNC */
	char vnclisten[16];     /* dotted IPv4 */
	int32_t vncdisplay;     /* port 5900 + N; -1: the first free */
	char vncpasswd[VGPU_SPEC_VNCPASSWD_MAX + 1]; /* "": none */
};

/*
 * Fills spec with the defaults: backend=0,weight=256,cap=0,vram=256M,
 * width=1024,height=768,vnc=0.
 */
void vgpu_spec_defaults(struct vgpu_spec *spec);

/*
 * Parses text (NUL-terminated) into spec, starting from the defaults.
 * Empty items ("", "a=1,", "a=1,,b=2") are ignored, as xl does for vif=,
 * so '' is a device with every default. Returns 0, or -EINVAL with a
 * one-line reason in err (worded like xl's: it names the key, the bad
 * value and the valid range).
 */
int vgpu_spec_parse(const char *text, struct vgpu_spec *spec, char *err,
		    size_t errlen);

/* vram in pages: what the backend's max-mapped-pages node holds. */
uint32_t vgpu_spec_pages(const struct vgpu_spec *spec);

/*
 * Parses a size: decimal digits and an optional K, M or G suffix
 * (case-insensitive, powers of 1024). Returns 0, -EINVAL if malformed,
 * -ERANGE on overflow.
 */
int vgpu_spec_parse_size(const char *s, uint64_t *out);

/* Formats bytes the way the spec would write them: "256M", "1G", "4100K". */
void vgpu_spec_format_size(uint64_t bytes, char *buf, size_t len);

#endif /* XENVGPU_SPEC_H */
