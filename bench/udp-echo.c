/*
 * udp-echo: the ceiling of this machine for one UDP request/reply server on loopback. One thread, one socket,
 * batched syscalls: recvmmsg (blocks for the first datagram, then takes whatever else is queued, up to BATCH)
 * and sendmmsg of the same datagrams back to their senders. It does no work per datagram beyond the copy the
 * kernel makes, so no DHT node can answer faster than this from one core.
 *
 *   gcc -O2 -o /tmp/udp-echo bench/udp-echo.c
 *   /tmp/udp-echo 127.0.0.40 6881 [ttl_seconds]
 *
 * Binds only to a 127.0.0.0/8 address; stops on SIGTERM/SIGINT or after ttl_seconds (default 600).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXLEN 2048

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s ADDR PORT [TTL_SECONDS]\n", argv[0]);
    return 2;
  }
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 || (ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
    fprintf(stderr, "udp-echo: %s is not a 127.0.0.0/8 address\n", argv[1]);
    return 2;
  }
  double ttl = argc > 3 ? atof(argv[3]) : 600;
  struct sigaction sa = {0};
  sa.sa_handler = on_signal; /* no SA_RESTART: a signal interrupts recvmmsg */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("udp-echo: bind");
    return 1;
  }
  /* A receive timeout lets the loop notice the ttl even when nothing arrives. */
  struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  static char data[BATCH][MAXLEN];
  static struct sockaddr_in from[BATCH];
  static struct iovec iov[BATCH];
  static struct mmsghdr msgs[BATCH];
  printf("udp-echo on %s:%s\n", argv[1], argv[2]);
  fflush(stdout);

  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned long long echoed = 0, batches = 0;
  while (!stop) {
    for (int i = 0; i < BATCH; i++) {
      iov[i].iov_base = data[i];
      iov[i].iov_len = MAXLEN;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_control = NULL;
      msgs[i].msg_hdr.msg_controllen = 0;
      msgs[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 > ttl) break;
    if (n <= 0) continue; /* timeout or signal */
    for (int i = 0; i < n; i++) iov[i].iov_len = msgs[i].msg_len;
    int sent = 0;
    for (int tries = 0; sent < n && tries < 4; tries++) { /* a full send buffer drops the rest, as UDP may */
      int m = sendmmsg(fd, msgs + sent, (unsigned)(n - sent), 0);
      if (m <= 0) break;
      sent += m;
    }
    echoed += (unsigned long long)sent;
    batches++;
  }
  printf("udp-echo stopped: %llu datagrams echoed in %llu batches\n", echoed, batches);
  close(fd);
  return 0;
}
