/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A backend transport for tests and fuzzers: "grant" pages served from
 * one mapped array (gref N is page N; gref 0 and those past the array
 * are not granted), frontend nodes from a "key=value\n" text, and a count
 * of the pages mapped and not yet unmapped, so that a caller can check
 * every mapping is undone. It stands in for a transport to test what lies
 * above one (the request decoder); it tests no transport itself.
 *
 * The array has an inaccessible guard page on each side, so a read or
 * write past it faults at once.
 */
#ifndef VGPU_TESTS_PAGE_TP_H
#define VGPU_TESTS_PAGE_TP_H

#include <stdint.h>

#include "back_transport.h"

struct page_tp {
	struct vgpuback_transport base;         /* first */
	uint8_t *pages;
	uint32_t npages;
	char front[512];                        /* the frontend's nodes */
	int connected_status;                   /* as connected() got it */
	char connected_msg[128];
	int pipe[2];    /* control fd pair (-1: none); readable: front left */
	int64_t mapped;                         /* pages mapped, not unmapped */
};

/* npages zeroed pages. Returns 0 or -ENOMEM. */
int page_tp_init(struct page_tp *tp, uint32_t npages);
/* Zeroes every page again; costs only the pages written since. */
void page_tp_clear(struct page_tp *tp);
/* Frees the pages and closes the pipe, if any. */
void page_tp_fini(struct page_tp *tp);

/* The page gref names (gref < npages). */
uint8_t *page_tp_page(struct page_tp *tp, uint32_t gref);

/* Writes a one-page gref directory at dir listing first .. first + n - 1. */
void page_tp_write_dir(struct page_tp *tp, uint32_t dir, uint32_t first,
		       uint32_t n, uint32_t next);

#endif /* VGPU_TESTS_PAGE_TP_H */
