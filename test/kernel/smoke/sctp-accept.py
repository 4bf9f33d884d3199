# Inside the kernel VM (needs sctp): a one-to-one SCTP socket listens, a client
# connects, the server accepts and echoes one message. Prints one JSON object.
import json
import socket

ADDRESS = ("127.0.0.1", 9999)

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
server.bind(ADDRESS)
server.listen(1)
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
client.settimeout(10)
client.connect(ADDRESS)
connection, peer = server.accept()
client.sendall(b"ping")
received = connection.recv(16)
connection.sendall(received)
echoed = client.recv(16)
print(json.dumps({
    "protocol": connection.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL),
    "received": received.decode(),
    "echoed": echoed.decode(),
    "peerHost": peer[0],
}))
