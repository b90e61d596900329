#!/usr/bin/env python3
"""smtp_sink.py - a real SMTP server for the e-mail tests (aiosmtpd).

  smtp_sink.py serve DIR PORT [--refuse]
      listen on 127.0.0.1:PORT (0: a free port the kernel picks); save
      each message as DIR/msg-N.eml with DIR/msg-N.json ({"from", "to"});
      write the port to DIR/port, then DIR/ready, once listening; run until
      SIGTERM.  --refuse answers every recipient with 550.
  smtp_sink.py hold FILE
      keep a free TCP port on 127.0.0.1 until SIGTERM, bound but not
      listening (connections to it are refused), and write it to FILE:
      no other socket is given that port meanwhile, while `serve` may
      listen on it (both set SO_REUSEADDR).  For a test that stops and
      starts the server on one port: a port printed and released (the old
      `port`) could be taken by another test's socket before the server
      bound it.
  smtp_sink.py read FILE.eml FIELD
      print FIELD of a saved message: subject (decoded), to, from,
      message-id, date, text (the text/plain part), html, parts (the
      content types).
"""
import json
import os
import signal
import socket
import sys


def write_atomic(path, data):
    """PATH appears whole or not at all: a reader that polls for it (a
    test waiting for a message the server's worker sends after answering)
    never reads a file the sink has created and not yet written."""
    with open(path + '.tmp', 'wb' if isinstance(data, bytes) else 'w') as f:
        f.write(data)
    os.rename(path + '.tmp', path)


def serve(d, port, refuse):
    import asyncio
    from aiosmtpd.smtp import SMTP

    class Sink:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if refuse:
                return '550 5.1.1 <%s>: mailbox unavailable' % address
            envelope.rcpt_tos.append(address)
            return '250 OK'

        async def handle_DATA(self, server, session, envelope):
            n = len([f for f in os.listdir(d) if f.endswith('.eml')]) + 1
            base = os.path.join(d, 'msg-%d' % n)
            # each file whole (renamed into place), the envelope first: a
            # msg-N.eml seen means both are complete
            write_atomic(base + '.json', json.dumps({'from': envelope.mail_from, 'to': envelope.rcpt_tos}))
            write_atomic(base + '.eml', envelope.original_content or envelope.content)
            return '250 Message accepted for delivery'

    os.makedirs(d, exist_ok=True)
    # bound and listening before DIR/port and DIR/ready say so (port 0:
    # the kernel's free port, never one another socket holds)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', port))
    sock.listen(64)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(Sink(), hostname='127.0.0.1', loop=loop), sock=sock))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    orphaned(loop)
    write_atomic(os.path.join(d, 'port'), '%d\n' % sock.getsockname()[1])
    open(os.path.join(d, 'ready'), 'w').close()
    loop.run_forever()
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()
    os.unlink(os.path.join(d, 'ready'))


def orphaned(loop, parent=None):
    """Stop LOOP once the process that started this one is gone (a test
    killed at its timeout leaves no server behind)."""
    parent = parent or os.getppid()
    if os.getppid() != parent:
        loop.stop()
    else:
        loop.call_later(1.0, orphaned, loop, parent)


def hold(path):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    parent = os.getppid()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', 0))
    write_atomic(path, '%d\n' % s.getsockname()[1])
    # until SIGTERM, or until the process that started this one is gone
    while signal.sigtimedwait({signal.SIGTERM}, 1.0) is None and os.getppid() == parent:
        pass
    s.close()


def read(path, field):
    import email
    from email import policy
    with open(path, 'rb') as f:
        m = email.message_from_binary_file(f, policy=policy.default)
    if field in ('subject', 'to', 'from', 'message-id', 'date'):
        print(str(m[field]))
    elif field == 'text':
        print(m.get_body(('plain',)).get_content(), end='')
    elif field == 'html':
        print(m.get_body(('html',)).get_content(), end='')
    elif field == 'parts':
        print(' '.join(p.get_content_type() for p in m.walk()))
    else:
        sys.exit('unknown field ' + field)


if __name__ == '__main__':
    a = sys.argv[1:]
    if a and a[0] == 'serve':
        serve(a[1], int(a[2]), '--refuse' in a)
    elif a and a[0] == 'hold':
        hold(a[1])
    elif a and a[0] == 'read':
        read(a[1], a[2])
    else:
        sys.exit(__doc__)
