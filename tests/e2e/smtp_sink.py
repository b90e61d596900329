#!/usr/bin/env python3
"""smtp_sink.py - a real SMTP server for the e-mail tests (aiosmtpd).

  smtp_sink.py serve DIR PORT [--refuse]
      listen on 127.0.0.1:PORT; save each message as DIR/msg-N.eml with
      DIR/msg-N.json ({"from", "to"}); write DIR/ready when listening; run
      until SIGTERM.  --refuse answers every recipient with 550.
  smtp_sink.py port
      print a free TCP port on 127.0.0.1.
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


def serve(d, port, refuse):
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if refuse:
                return '550 5.1.1 <%s>: mailbox unavailable' % address
            envelope.rcpt_tos.append(address)
            return '250 OK'

        async def handle_DATA(self, server, session, envelope):
            n = len([f for f in os.listdir(d) if f.endswith('.eml')]) + 1
            base = os.path.join(d, 'msg-%d' % n)
            with open(base + '.json', 'w') as f:
                json.dump({'from': envelope.mail_from, 'to': envelope.rcpt_tos}, f)
            with open(base + '.eml', 'wb') as f:
                f.write(envelope.original_content or envelope.content)
            return '250 Message accepted for delivery'

    os.makedirs(d, exist_ok=True)
    c = Controller(Sink(), hostname='127.0.0.1', port=port)
    c.start()
    open(os.path.join(d, 'ready'), 'w').close()
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    while not stop:
        signal.pause()
    c.stop()
    os.unlink(os.path.join(d, 'ready'))


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
    elif a and a[0] == 'port':
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        print(s.getsockname()[1])
        s.close()
    elif a and a[0] == 'read':
        read(a[1], a[2])
    else:
        sys.exit(__doc__)
