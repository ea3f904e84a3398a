/*
 * delayline: the h2ws lab's userspace wire between two TUN devices, one in each of two network
 * namespaces. Every IP packet read from one TUN is written to the other after a fixed one-way
 * delay; a chosen share of packets is held a further gap so that later ones overtake it
 * (reordering). The kernel here has no netem, so this is where delay lives; loss (nftables) and
 * rate (tc tbf) stay in the kernel.
 *
 *   delayline NETNS_A TUN_A NETNS_B TUN_B
 *
 * NETNS_* are paths such as /run/netns/NAME. The TUN devices are created here and vanish when
 * this process ends; it ends when its stdin closes, so a dying lab never leaves it behind.
 * Commands on stdin, one a line:
 *   delay US            one-way delay in microseconds, both directions
 *   reorder PERMILLE US share of packets (per thousand) held US more
 *   stats               prints one "stats key=value..." line
 *   reset               zeroes the counters and the lateness histogram
 * Lateness is how long after its due time a delayed packet was written: the delay line's own jitter.
 *
 *   delayline ping DST COUNT INTERVAL_US
 *
 * is the lab's independent RTT probe, run inside a namespace: ICMP echoes answered by the far
 * side's kernel, the replies stamped by this side's kernel on arrival (SO_TIMESTAMPNS), so the
 * figure holds no JVM and no scheduling delay of the receiver. Prints one "ping key=value..." line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define MAXPKT 1600          /* TUN MTU 1500 plus margin */
#define MAIN_SLOTS 65536     /* ~100 MB virtual per direction, touched only as used */
#define LATE_SLOTS 4096
#define HIST_US 20000        /* lateness histogram: 1 us buckets up to 20 ms, then one overflow bucket */

struct pkt { uint64_t due; uint32_t len; unsigned char data[MAXPKT]; };
struct fifo { struct pkt *p; uint32_t cap, head, tail; };
struct dir {
    int in, out;
    struct fifo main, late;
    uint64_t rx, tx, overflow, reordered, write_errors;
};

static uint64_t delay_ns, gap_ns;
static uint32_t reorder_permille;
static uint64_t hist[HIST_US + 1], hist_n, hist_sum_ns, hist_max_ns;
static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static uint32_t next_rand(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t) (rng >> 32);
}

static void die(const char *what) {
    fprintf(stderr, "delayline: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int open_tun(const char *netns, const char *name) {
    int ns = open(netns, O_RDONLY | O_CLOEXEC);
    if (ns < 0) die(netns);
    if (setns(ns, CLONE_NEWNET) < 0) die("setns");
    close(ns);
    /* the device belongs to the namespace the file was opened in */
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) die("/dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static void fifo_init(struct fifo *f, uint32_t cap) {
    f->p = calloc(cap, sizeof(struct pkt));
    if (!f->p) die("calloc");
    f->cap = cap; f->head = f->tail = 0;
}

static int fifo_empty(struct fifo *f) { return f->head == f->tail; }

static void record_lateness(uint64_t late) {
    uint64_t us = late / 1000;
    hist[us < HIST_US ? us : HIST_US]++;
    hist_n++;
    hist_sum_ns += late;
    if (late > hist_max_ns) hist_max_ns = late;
}

static void send_pkt(struct dir *d, const unsigned char *data, uint32_t len) {
    /* a TUN write hands the packet to the stack at once; a failure is a dropped packet, counted */
    if (write(d->out, data, len) < 0) d->write_errors++; else d->tx++;
}

static void release(struct dir *d, struct fifo *f, uint64_t now) {
    while (!fifo_empty(f)) {
        struct pkt *p = &f->p[f->head % f->cap];
        if (p->due > now) break;
        record_lateness(now - p->due);
        send_pkt(d, p->data, p->len);
        f->head++;
    }
}

static void receive(struct dir *d) {
    unsigned char buf[MAXPKT];
    /* bounded per wake-up so one busy direction cannot starve the other or the timers */
    for (int i = 0; i < 256; i++) {
        ssize_t n = read(d->in, buf, sizeof buf);
        if (n <= 0) return;
        d->rx++;
        int held = reorder_permille > 0 && next_rand() % 1000 < reorder_permille;
        if (!held && delay_ns == 0 && fifo_empty(&d->main)) {
            send_pkt(d, buf, (uint32_t) n);
            continue;
        }
        struct fifo *f = held ? &d->late : &d->main;
        if (f->tail - f->head >= f->cap) { d->overflow++; continue; }
        struct pkt *p = &f->p[f->tail % f->cap];
        p->due = now_ns() + delay_ns + (held ? gap_ns : 0);
        p->len = (uint32_t) n;
        memcpy(p->data, buf, (size_t) n);
        f->tail++;
        if (held) d->reordered++;
    }
}

static uint64_t percentile_us(double q) {
    if (hist_n == 0) return 0;
    uint64_t want = (uint64_t) (q * (double) hist_n), seen = 0;
    for (int i = 0; i <= HIST_US; i++) {
        seen += hist[i];
        if (seen > want) return (uint64_t) i;
    }
    return HIST_US;
}

static void stats(struct dir *a, struct dir *b) {
    printf("stats a2b_rx=%llu a2b_tx=%llu a2b_overflow=%llu a2b_reordered=%llu b2a_rx=%llu b2a_tx=%llu b2a_overflow=%llu "
           "b2a_reordered=%llu write_errors=%llu delayed=%llu late_mean_us=%.1f late_p50_us=%llu late_p99_us=%llu "
           "late_p999_us=%llu late_max_us=%.1f\n",
           (unsigned long long) a->rx, (unsigned long long) a->tx, (unsigned long long) a->overflow,
           (unsigned long long) a->reordered, (unsigned long long) b->rx, (unsigned long long) b->tx,
           (unsigned long long) b->overflow, (unsigned long long) b->reordered,
           (unsigned long long) (a->write_errors + b->write_errors), (unsigned long long) hist_n,
           hist_n ? (double) hist_sum_ns / (double) hist_n / 1000.0 : 0.0,
           (unsigned long long) percentile_us(0.5), (unsigned long long) percentile_us(0.99),
           (unsigned long long) percentile_us(0.999), (double) hist_max_ns / 1000.0);
    fflush(stdout);
}

static void command(char *line, struct dir *a, struct dir *b) {
    unsigned long long x, y;
    if (sscanf(line, "delay %llu", &x) == 1) {
        delay_ns = x * 1000ull;
    } else if (sscanf(line, "reorder %llu %llu", &x, &y) == 2) {
        reorder_permille = (uint32_t) (x > 1000 ? 1000 : x);
        gap_ns = y * 1000ull;
    } else if (strncmp(line, "stats", 5) == 0) {
        stats(a, b);
        return;
    } else if (strncmp(line, "reset", 5) == 0) {
        a->rx = a->tx = a->overflow = a->reordered = a->write_errors = 0;
        b->rx = b->tx = b->overflow = b->reordered = b->write_errors = 0;
        memset(hist, 0, sizeof hist);
        hist_n = hist_sum_ns = hist_max_ns = 0;
    } else {
        printf("error unknown command\n");
        fflush(stdout);
        return;
    }
    printf("ok\n");
    fflush(stdout);
}

static void realtime_priority(int *ok) {
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    sp.sched_priority = 50;
    *ok = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
}

static uint16_t checksum(const void *data, size_t len) {
    const uint16_t *w = data;
    uint32_t sum = 0;
    for (; len > 1; len -= 2) sum += *w++;
    if (len) sum += *(const uint8_t *) w;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t) ~sum;
}

static uint64_t wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static int ping_main(const char *dst, int count, uint64_t interval_us) {
    int rt;
    realtime_priority(&rt);
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (s < 0) die("raw ICMP socket");
    int on = 1;
    setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    if (inet_pton(AF_INET, dst, &to.sin_addr) != 1) { fprintf(stderr, "delayline: bad address %s\n", dst); return 2; }
    uint16_t id = (uint16_t) (getpid() & 0xffff);
    uint64_t *sent = calloc((size_t) count, sizeof(uint64_t));
    uint64_t *rtt = calloc((size_t) count, sizeof(uint64_t));
    char *seen = calloc((size_t) count, 1);
    if (!sent || !rtt || !seen) die("calloc");
    int answered = 0, next = 0;
    uint64_t start = now_ns(), end = UINT64_MAX;
    while (answered < count && now_ns() < end) {
        uint64_t now = now_ns();
        if (next < count && now >= start + (uint64_t) next * interval_us * 1000ull) {
            unsigned char pkt[64];
            memset(pkt, 0, sizeof pkt);
            struct icmphdr *h = (struct icmphdr *) pkt;
            h->type = ICMP_ECHO;
            h->un.echo.id = htons(id);
            h->un.echo.sequence = htons((uint16_t) next);
            h->checksum = checksum(pkt, sizeof pkt);
            sent[next] = wall_ns();
            if (sendto(s, pkt, sizeof pkt, 0, (struct sockaddr *) &to, sizeof to) < 0) die("sendto");
            if (++next == count) end = now_ns() + 3000000000ull; /* the last answers: at most 3 s more */
            continue;
        }
        uint64_t wake = next < count ? start + (uint64_t) next * interval_us * 1000ull : end;
        uint64_t wait = wake > now ? wake - now : 0;
        struct timespec ts = {(time_t) (wait / 1000000000ull), (long) (wait % 1000000000ull)};
        struct pollfd pf = {s, POLLIN, 0};
        if (ppoll(&pf, 1, &ts, NULL) <= 0) continue;
        unsigned char buf[256], ctrl[256];
        struct iovec iov = {buf, sizeof buf};
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = &iov; msg.msg_iovlen = 1; msg.msg_control = ctrl; msg.msg_controllen = sizeof ctrl;
        ssize_t n = recvmsg(s, &msg, 0);
        uint64_t arrived = wall_ns();
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
                struct timespec k;
                memcpy(&k, CMSG_DATA(c), sizeof k);
                arrived = (uint64_t) k.tv_sec * 1000000000ull + (uint64_t) k.tv_nsec;
            }
        }
        if (n < (ssize_t) sizeof(struct iphdr)) continue;
        size_t ihl = (size_t) (buf[0] & 0x0f) * 4;
        if ((size_t) n < ihl + sizeof(struct icmphdr)) continue;
        struct icmphdr *r = (struct icmphdr *) (buf + ihl);
        int seq = ntohs(r->un.echo.sequence);
        if (r->type != ICMP_ECHOREPLY || ntohs(r->un.echo.id) != id || seq >= next || seen[seq]) continue;
        seen[seq] = 1;
        rtt[answered++] = arrived - sent[seq];
    }
    qsort(rtt, (size_t) answered, sizeof(uint64_t), cmp_u64);
    double mean = 0, var = 0;
    for (int i = 0; i < answered; i++) mean += (double) rtt[i];
    mean = answered ? mean / answered : 0;
    for (int i = 0; i < answered; i++) var += ((double) rtt[i] - mean) * ((double) rtt[i] - mean);
    var = answered ? var / answered : 0;
    printf("ping sent=%d answered=%d realtime=%d", count, answered, rt);
    if (answered > 0) {
        printf(" rtt_min_ms=%.3f rtt_p50_ms=%.3f rtt_p99_ms=%.3f rtt_max_ms=%.3f rtt_mean_ms=%.3f rtt_sd_ms=%.3f",
               rtt[0] / 1e6, rtt[answered / 2] / 1e6, rtt[(int) (answered * 0.99) < answered ? (int) (answered * 0.99) : answered - 1] / 1e6,
               rtt[answered - 1] / 1e6, mean / 1e6, __builtin_sqrt(var) / 1e6);
    }
    printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "ping") == 0) {
        return ping_main(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    }
    if (argc != 5) {
        fprintf(stderr, "usage: delayline NETNS_A TUN_A NETNS_B TUN_B\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* the default 50 us timer slack would be added to every wake-up */
    prctl(PR_SET_TIMERSLACK, 1UL);
    /* two JVMs share the CPUs with us: without a real-time priority a due packet waits for a
       time slice (measured: lateness p99 above 20 ms, max 209 ms). The loop blocks in ppoll, so
       it cannot hog a CPU, and the kernel's RT throttling bounds it anyway. */
    int realtime;
    realtime_priority(&realtime);
    struct dir a2b, b2a;
    memset(&a2b, 0, sizeof a2b);
    memset(&b2a, 0, sizeof b2a);
    int ta = open_tun(argv[1], argv[2]);
    int tb = open_tun(argv[3], argv[4]);
    a2b.in = ta; a2b.out = tb;
    b2a.in = tb; b2a.out = ta;
    fifo_init(&a2b.main, MAIN_SLOTS); fifo_init(&a2b.late, LATE_SLOTS);
    fifo_init(&b2a.main, MAIN_SLOTS); fifo_init(&b2a.late, LATE_SLOTS);
    printf("ready realtime=%d\n", realtime);
    fflush(stdout);
    char line[256];
    size_t used = 0;
    for (;;) {
        uint64_t now = now_ns();
        release(&a2b, &a2b.main, now); release(&a2b, &a2b.late, now);
        release(&b2a, &b2a.main, now); release(&b2a, &b2a.late, now);
        uint64_t next = UINT64_MAX;
        struct fifo *fs[4] = {&a2b.main, &a2b.late, &b2a.main, &b2a.late};
        for (int i = 0; i < 4; i++) {
            if (!fifo_empty(fs[i])) {
                uint64_t due = fs[i]->p[fs[i]->head % fs[i]->cap].due;
                if (due < next) next = due;
            }
        }
        struct timespec ts, *tp = NULL;
        if (next != UINT64_MAX) {
            uint64_t wait = next > now ? next - now : 0;
            ts.tv_sec = (time_t) (wait / 1000000000ull);
            ts.tv_nsec = (long) (wait % 1000000000ull);
            tp = &ts;
        }
        struct pollfd pf[3] = {{ta, POLLIN, 0}, {tb, POLLIN, 0}, {0, POLLIN, 0}};
        int r = ppoll(pf, 3, tp, NULL);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("ppoll");
        }
        if (pf[0].revents & POLLIN) receive(&a2b);
        if (pf[1].revents & POLLIN) receive(&b2a);
        if (pf[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(0, line + used, sizeof line - 1 - used);
            if (n <= 0) return 0; /* the lab is gone */
            used += (size_t) n;
            line[used] = 0;
            char *nl;
            while ((nl = strchr(line, '\n')) != NULL) {
                *nl = 0;
                command(line, &a2b, &b2a);
                memmove(line, nl + 1, used - (size_t) (nl + 1 - line) + 1);
                used -= (size_t) (nl + 1 - line);
            }
            if (used >= sizeof line - 1) used = 0; /* an overlong line: drop it */
        }
    }
}
