/* SPDX-License-Identifier: GPL-2.0 */
/* The vtest wire protocol as stock Mesa's virgl vtest winsys speaks it. */
#ifndef VTEST_PROTOCOL_H
#define VTEST_PROTOCOL_H

/*
 * DOC: vtest framing
 *
 * A client (Mesa with GALLIUM_DRIVER=virpipe) connects to a UNIX stream
 * socket. Mesa 22.3 always uses VTEST_SOCKET_DEFAULT; it ignores
 * VTEST_SOCKET_NAME. Every message in either direction starts with two
 * host-endian uint32 words: a length and a command id. The length counts
 * 32-bit words of payload, with these exceptions that clients rely on:
 *
 *   CREATE_RENDERER    the length counts bytes (the name and its NUL);
 *   TRANSFER_PUT       the length adds the data rounded up to words, but
 *                      exactly data_size bytes of data follow;
 *   TRANSFER_PUT2      the length adds the data rounded up to words, but
 *                      no data follows (it is in shared memory);
 *   GET_CAPS, GET_CAPS2 replies: the length is the caps size in bytes
 *                      plus one, and the reply's id is the caps version
 *                      (1 or 2), not a command id.
 *
 * So a server reads each command's fixed payload by itself and never
 * skips "length" words blindly. The first command must be
 * CREATE_RENDERER. Without PROTOCOL_VERSION the version is 0; version 1
 * was withdrawn, and a server answers a client offering 1 with 0.
 *
 * Resource handles are chosen by the client up to version 2 and name
 * the resource inside the virgl command stream too.
 */
#define VTEST_SOCKET_DEFAULT            "/tmp/.virgl_test"

#define VTEST_HDR_WORDS                 2
#define VTEST_HDR_LEN                   0
#define VTEST_HDR_CMD                   1

/* The newest version this server speaks. */
#define VTEST_VERSION_MAX               2

/* Since version 0 (before the protocol had versions). */
#define VCMD_GET_CAPS                   1
#define VCMD_RESOURCE_CREATE            2
#define VCMD_RESOURCE_UNREF             3
#define VCMD_TRANSFER_GET               4
#define VCMD_TRANSFER_PUT               5
#define VCMD_SUBMIT_CMD                 6
#define VCMD_RESOURCE_BUSY_WAIT         7
#define VCMD_CREATE_RENDERER            8
#define VCMD_GET_CAPS2                  9
/* Since version 1: version negotiation. */
#define VCMD_PING_PROTOCOL_VERSION      10
#define VCMD_PROTOCOL_VERSION           11
/* Since version 2: resource data in shared memory. */
#define VCMD_RESOURCE_CREATE2           12
#define VCMD_TRANSFER_GET2              13
#define VCMD_TRANSFER_PUT2              14
/* Version 3 (not spoken here) adds 15..24: params, capsets, blobs, syncs. */
#define VCMD_RESOURCE_CREATE_BLOB       18
#define VCMD_MAX                        24

/* RESOURCE_CREATE payload (words); version 0. */
#define VCMD_RES_CREATE_WORDS           10
#define VCMD_RES_CREATE_HANDLE          0
#define VCMD_RES_CREATE_TARGET          1
#define VCMD_RES_CREATE_FORMAT          2
#define VCMD_RES_CREATE_BIND            3
#define VCMD_RES_CREATE_WIDTH           4
#define VCMD_RES_CREATE_HEIGHT          5
#define VCMD_RES_CREATE_DEPTH           6
#define VCMD_RES_CREATE_ARRAY_SIZE      7
#define VCMD_RES_CREATE_LAST_LEVEL      8
#define VCMD_RES_CREATE_NR_SAMPLES      9
/*
 * RESOURCE_CREATE2 (version 2): the same words, then the size of the
 * shared backing in bytes. A non-zero size is answered with one byte
 * carrying the backing's fd (SCM_RIGHTS); size 0 (multisampled
 * resources) gets no answer.
 */
#define VCMD_RES_CREATE2_WORDS          11
#define VCMD_RES_CREATE2_DATA_SIZE      10

/* RESOURCE_UNREF payload; no answer. */
#define VCMD_RES_UNREF_WORDS            1
#define VCMD_RES_UNREF_HANDLE           0

/*
 * TRANSFER_GET, TRANSFER_PUT (versions 0 and 1): the box, then the data
 * over the socket: data_size bytes follow a PUT, and are the answer to a
 * GET (no header).
 */
#define VCMD_TRANSFER_WORDS             11
#define VCMD_TRANSFER_HANDLE            0
#define VCMD_TRANSFER_LEVEL             1
#define VCMD_TRANSFER_STRIDE            2
#define VCMD_TRANSFER_LAYER_STRIDE      3
#define VCMD_TRANSFER_X                 4
#define VCMD_TRANSFER_Y                 5
#define VCMD_TRANSFER_Z                 6
#define VCMD_TRANSFER_WIDTH             7
#define VCMD_TRANSFER_HEIGHT            8
#define VCMD_TRANSFER_DEPTH             9
#define VCMD_TRANSFER_DATA_SIZE         10

/*
 * TRANSFER_GET2, TRANSFER_PUT2 (version 2): the box and an offset into
 * the shared backing; no stride (the host packs rows); no answer. The
 * client follows a GET2 with a waiting BUSY_WAIT before it reads.
 */
#define VCMD_TRANSFER2_WORDS            10
#define VCMD_TRANSFER2_HANDLE           0
#define VCMD_TRANSFER2_LEVEL            1
#define VCMD_TRANSFER2_X                2
#define VCMD_TRANSFER2_Y                3
#define VCMD_TRANSFER2_Z                4
#define VCMD_TRANSFER2_WIDTH            5
#define VCMD_TRANSFER2_HEIGHT           6
#define VCMD_TRANSFER2_DEPTH            7
#define VCMD_TRANSFER2_DATA_SIZE        8
#define VCMD_TRANSFER2_OFFSET           9

/*
 * RESOURCE_BUSY_WAIT: handle and flags; answer: one word, 1 if busy.
 * The handle is advisory: "busy" means any submitted work of the client
 * is unfinished, which is how Mesa emulates fences. Clients probe for
 * PING_PROTOCOL_VERSION by sending PING then BUSY_WAIT(handle 0) before
 * anything else.
 */
#define VCMD_BUSY_WAIT_WORDS            2
#define VCMD_BUSY_WAIT_HANDLE           0
#define VCMD_BUSY_WAIT_FLAGS            1
#define VCMD_BUSY_WAIT_FLAG_WAIT        1

/* PING_PROTOCOL_VERSION: no payload; the answer is an empty PING. */
/* PROTOCOL_VERSION: one word each way, the client's then the agreed one. */
#define VCMD_PROTOCOL_VERSION_WORDS     1

/* The answer ids of GET_CAPS and GET_CAPS2 (the caps version). */
#define VTEST_CAPS_V1                   1
#define VTEST_CAPS_V2                   2

/* virglrenderer's capset ids. */
#define VTEST_CAPSET_VIRGL              1
#define VTEST_CAPSET_VIRGL2             2

#endif /* VTEST_PROTOCOL_H */
