/* SPDX-License-Identifier: GPL-2.0 */
/* Framing of the loopback transport's setup socket, fds included. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vgpu_util.h"

#define LB_MAX_FDS 2

int vgpu_lb_send(int sock, uint32_t type, const void *payload, uint32_t len,
		 const int *fds, int nfds)
{
	struct vgpu_lb_hdr hdr = { .type = type, .payload_len = len };
	char control[CMSG_SPACE(sizeof(int) * LB_MAX_FDS)] = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

	if (len > VGPU_LB_MAX_PAYLOAD || nfds < 0 || nfds > LB_MAX_FDS) {
		return -EINVAL;
	}
	if (nfds) {
		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return -errno;
	}
	/* SOCK_SEQPACKET: a message goes whole or not at all. */
	return (size_t)n == sizeof(hdr) + len ? 0 : -EIO;
}

static int take_fds(struct msghdr *msg, int *fds, int *nfds)
{
	struct cmsghdr *cmsg;
	int count = 0, i;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cmsg), sizeof(int) * count);
	}
	if (msg->msg_flags & MSG_CTRUNC) {
		for (i = 0; i < count; i++) {
			close(fds[i]);
		}
		return -EPROTO;
	}
	*nfds = count;
	return 0;
}

int vgpu_lb_recv(int sock, uint32_t *type, void *payload, size_t payload_max,
		 int *fds, int *nfds)
{
	char control[CMSG_SPACE(sizeof(int) * LB_MAX_FDS)];
	struct vgpu_lb_hdr hdr;
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = payload, .iov_len = payload_max - 1 },
	};
	struct msghdr msg = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	ssize_t n;
	int ret;

	*nfds = 0;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return -errno;
	}
	if (n == 0) {
		return -EPIPE;
	}
	ret = take_fds(&msg, fds, nfds);
	if (ret) {
		return ret;
	}
	if ((size_t)n < sizeof(hdr) || (msg.msg_flags & MSG_TRUNC) ||
	    hdr.payload_len != (size_t)n - sizeof(hdr)) {
		goto fail_fds;
	}
	*type = hdr.type;
	((char *)payload)[hdr.payload_len] = '\0';
	return (int)hdr.payload_len;

fail_fds:
	while (*nfds) {
		close(fds[--*nfds]);
	}
	return -EPROTO;
}

int vgpu_lb_reply(int sock, int status, const char *message)
{
	char buf[sizeof(struct vgpu_lb_reply) + 256] = { 0 };
	struct vgpu_lb_reply *reply = (struct vgpu_lb_reply *)buf;
	size_t len = message ? strnlen(message, 255) : 0;

	reply->status = status;
	memcpy(buf + sizeof(*reply), message ? message : "", len);
	return vgpu_lb_send(sock, VGPU_LB_REPLY, buf, sizeof(*reply) + len,
			    NULL, 0);
}

int vgpu_lb_dial(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock, ret;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		return -errno;
	}
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = -errno;
		close(sock);
		return ret;
	}
	return sock;
}
