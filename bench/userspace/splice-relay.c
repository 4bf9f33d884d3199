// A reference relay for bench/userspace: the ceiling of any TCP relay on this machine. C,
// a thread per direction, zero-copy splice(2) through a pipe, no buffering in user space (and no
// SPLICE_F_MORE, which corks small replies).
// `splice-relay LISTEN_IP PORT BACKEND_PORT` relays to 127.0.0.1:BACKEND_PORT; prints "ready".
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static int backend_port;

struct direction {
  int from, to;
};

static void *pump(void *arg) {
  struct direction *d = arg;
  int pipefd[2];
  if (pipe2(pipefd, 0) == 0) {
    fcntl(pipefd[1], F_SETPIPE_SZ, CHUNK);
    for (;;) {
      ssize_t in = splice(d->from, NULL, pipefd[1], NULL, CHUNK, SPLICE_F_MOVE);
      if (in <= 0) break;
      while (in > 0) {
        ssize_t out = splice(pipefd[0], NULL, d->to, NULL, (size_t)in, SPLICE_F_MOVE);
        if (out <= 0) goto done;
        in -= out;
      }
    }
  done:
    close(pipefd[0]);
    close(pipefd[1]);
  }
  shutdown(d->to, SHUT_WR);
  return NULL;
}

static void *serve(void *arg) {
  int client = (int)(long)arg, one = 1;
  int upstream = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(backend_port)};
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (upstream >= 0 && connect(upstream, (struct sockaddr *)&address, sizeof address) == 0) {
    setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct direction up = {client, upstream}, down = {upstream, client};
    pthread_t thread;
    pthread_create(&thread, NULL, pump, &down);
    pump(&up);
    pthread_join(thread, NULL);
  }
  if (upstream >= 0) close(upstream);
  close(client);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  backend_port = atoi(argv[3]);
  int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  inet_pton(AF_INET, argv[1], &address.sin_addr);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 4096) != 0) {
    perror("splice-relay");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int client = accept(listener, NULL, NULL);
    if (client < 0) continue;
    pthread_t thread;
    if (pthread_create(&thread, NULL, serve, (void *)(long)client) != 0) close(client);
    else pthread_detach(thread);
  }
}
