"""A local stand-in for Amazon SNS's Publish API, for the relay tests.

It checks every request's AWS Signature Version 4 on its own (this is a
second implementation, in Python, of the algorithm src/sigv4.c follows),
refuses a bad one with 403 SignatureDoesNotMatch as SNS does, and records
each accepted message.  It can fail the first N requests with 500 (to
exercise the relay's retries), slow every answer down, and serve
task-role credentials the way the ECS endpoint does.  Standard library
only.
"""

import datetime
import hashlib
import hmac
import http.server
import json
import threading
import time
import urllib.parse


def _h(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _enc(s, keep_slash=False):
    safe = "-._~" + ("/" if keep_slash else "")
    return urllib.parse.quote(s, safe=safe)


def canonical_request(method, path, query, headers, signed, body):
    """headers: list of (name, value) as received."""
    qs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    cq = "&".join(sorted("%s=%s" % (_enc(k), _enc(v)) for k, v in qs))
    vals = {}
    for k, v in headers:
        vals.setdefault(k.lower(), []).append(" ".join(v.split()))
    lines = "".join("%s:%s\n" % (n, ",".join(vals.get(n, [""])))
                    for n in signed)
    return "\n".join([method, _enc(urllib.parse.unquote(path), True), cq,
                      lines, ";".join(signed),
                      hashlib.sha256(body).hexdigest()])


def signature(secret, date, region, service, sts):
    k = _h(("AWS4" + secret).encode(), date[:8])
    k = _h(k, region)
    k = _h(k, service)
    k = _h(k, "aws4_request")
    return hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()


def verify(req, body, keys, region, service, token=None):
    """None if the request's SigV4 signature holds, else why not."""
    auth = req.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization"
    f = dict(p.strip().split("=", 1)
             for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    ak, date8, reg, svc, term = f["Credential"].split("/")
    signed = f["SignedHeaders"].split(";")
    amz = req.headers.get("X-Amz-Date", "")
    if ak not in keys:
        return "unknown access key %s" % ak
    if term != "aws4_request" or svc != service or reg != region or \
            amz[:8] != date8:
        return "bad scope %s" % f["Credential"]
    for h in ("host", "x-amz-date"):
        if h not in signed:
            return "%s not signed" % h
    when = datetime.datetime.strptime(amz, "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    if abs((now - when).total_seconds()) > 300:
        return "x-amz-date too far from now"
    if token is not None:
        if req.headers.get("X-Amz-Security-Token") != token or \
                "x-amz-security-token" not in signed:
            return "security token missing or unsigned"
    path, _, query = req.path.partition("?")
    creq = canonical_request(req.command, path, query, req.headers.items(),
                             signed, body)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz,
                     "%s/%s/%s/aws4_request" % (date8, reg, svc),
                     hashlib.sha256(creq.encode()).hexdigest()])
    want = signature(keys[ak], amz, reg, svc, sts)
    if not hmac.compare_digest(want, f["Signature"]):
        return "signature mismatch"
    return None


class FakeSNS:
    def __init__(self, keys, region="us-east-1", token=None,
                 fail_first=0, delay=0.0, creds_auth=None, subscribers=()):
        """keys: {access key: secret}; token: required security token;
        subscribers: FakeSQS queues every message is delivered to."""
        self.keys = dict(keys)
        self.subscribers = list(subscribers)
        self.region = region
        self.token = token
        self.fail_first = fail_first
        self.delay = delay
        self.creds_auth = creds_auth
        self.creds = None           # served on /creds when set
        self.lock = threading.Lock()
        self.messages = []          # accepted Publish forms, in order
        self.bad_signatures = []    # why each refused request was refused
        self.requests = 0
        self.failed = 0
        self.creds_requests = 0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _reply(self, status, body, ctype="text/xml"):
                b = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

            def do_GET(self):
                if self.path != "/creds" or fake.creds is None:
                    return self._reply(404, "")
                with fake.lock:
                    fake.creds_requests += 1
                if fake.creds_auth is not None and \
                        self.headers.get("Authorization") != fake.creds_auth:
                    return self._reply(401, "")
                self._reply(200, json.dumps(fake.creds), "application/json")

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                status, reply = fake.handle(self, body)
                if fake.delay:
                    time.sleep(fake.delay)
                self._reply(status, reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def verify(self, req, body):
        return verify(req, body, self.keys, self.region, "sns", self.token)

    def handle(self, req, body):
        with self.lock:
            self.requests += 1
            why = self.verify(req, body)
            if why is not None:
                self.bad_signatures.append(why)
                return 403, ("<ErrorResponse><Error><Code>"
                             "SignatureDoesNotMatch</Code><Message>%s"
                             "</Message></Error></ErrorResponse>" % why)
            if self.fail_first > 0:
                self.fail_first -= 1
                self.failed += 1
                return 500, ("<ErrorResponse><Error><Code>InternalError"
                             "</Code></Error></ErrorResponse>")
            form = dict(urllib.parse.parse_qsl(body.decode(),
                                               keep_blank_values=True))
            if form.get("Action") != "Publish" or "Message" not in form:
                return 400, "<ErrorResponse><Error><Code>InvalidAction" \
                    "</Code></Error></ErrorResponse>"
            self.messages.append(form)
            mid = "m-%d" % len(self.messages)
            for q in self.subscribers:      # as an SNS subscription does
                q.enqueue(json.dumps({
                    "Type": "Notification", "MessageId": mid,
                    "TopicArn": form.get("TopicArn"),
                    "Message": form["Message"]}))
        return 200, ("<PublishResponse><PublishResult><MessageId>%s"
                     "</MessageId></PublishResult></PublishResponse>" % mid)

    def events(self):
        """Each accepted message as (form, parsed Message), in order."""
        with self.lock:
            return [(f, json.loads(f["Message"])) for f in self.messages]


class FakeSQS:
    """SQS's ReceiveMessage and DeleteMessage (AWS JSON 1.0), checking
    SigV4 for service sqs, with a visibility timeout and a redrive policy:
    a message received max_receives times and not deleted goes to dlq."""

    def __init__(self, keys, region="us-east-1", max_receives=3,
                 visibility=30.0):
        self.keys = dict(keys)
        self.region = region
        self.max_receives = max_receives
        self.visibility = visibility
        self.lock = threading.Lock()
        self.queue = []         # dicts: id, body, receives, visible, receipt
        self.dlq = []
        self.deleted = []
        self.bad_signatures = []
        self.seq = 0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                status, reply = fake.handle(self, body)
                b = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/" % self.port
        self.queue_url = self.url + "123456789012/crewlog-board"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def enqueue(self, body):
        with self.lock:
            self.seq += 1
            self.queue.append({"id": "q-%d" % self.seq, "body": body,
                               "receives": 0, "visible": 0.0,
                               "receipt": None})

    def _receive(self, req):
        end = time.monotonic() + min(int(req.get("WaitTimeSeconds", 0)), 2)
        while True:
            out = []
            with self.lock:
                now = time.monotonic()
                for m in list(self.queue):
                    if m["visible"] > now:
                        continue
                    if m["receives"] >= self.max_receives:
                        self.queue.remove(m)     # the redrive policy
                        self.dlq.append(m)
                        continue
                    if len(out) >= int(req.get("MaxNumberOfMessages", 1)):
                        break
                    m["receives"] += 1
                    self.seq += 1
                    m["receipt"] = "rh-%d" % self.seq
                    m["visible"] = now + self.visibility
                    out.append({"MessageId": m["id"],
                                "ReceiptHandle": m["receipt"],
                                "Body": m["body"], "Attributes": {
                                    "ApproximateReceiveCount":
                                    str(m["receives"])}})
            if out or time.monotonic() >= end:
                return 200, ({"Messages": out} if out else {})
            time.sleep(0.05)

    def handle(self, req, body):
        why = verify(req, body, self.keys, self.region, "sqs")
        if why is not None:
            with self.lock:
                self.bad_signatures.append(why)
            return 400, {"__type": "InvalidSignatureException",
                         "message": why}
        target = req.headers.get("X-Amz-Target", "")
        r = json.loads(body or b"{}")
        if r.get("QueueUrl") != self.queue_url:
            return 400, {"__type": "QueueDoesNotExist"}
        if target == "AmazonSQS.ReceiveMessage":
            return self._receive(r)
        if target == "AmazonSQS.DeleteMessage":
            with self.lock:
                for m in self.queue:
                    if m["receipt"] == r.get("ReceiptHandle"):
                        self.queue.remove(m)
                        self.deleted.append(m)
                        return 200, {}
            return 400, {"__type": "ReceiptHandleIsInvalid"}
        return 400, {"__type": "InvalidAction"}
