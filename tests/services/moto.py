"""Runs PyPI's moto server (pinned in requirements.txt) for the AWS adapter tests.

moto's own launcher takes a fixed port; this one binds 127.0.0.1 (port 0 picks a
free one), serves DynamoDB, S3, SESv2, EventBridge Scheduler and Step Functions
from memory on one endpoint, and writes its base URL once it listens.

Usage: python3 tests/services/moto.py [--port 0] [--url-file PATH]
Prints (and writes to --url-file) the base URL; export it as MOTO_URL (a second
server, for the journeys in execution mode, as MOTO_EXECUTION_URL) for
`cargo test -p campaigns-aws`.
"""

import argparse
import os
import sys

# This file shares the package's name: keep its folder off the import path.
sys.path = [p for p in sys.path if os.path.abspath(p or '.') != os.path.dirname(os.path.abspath(__file__))]

from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--url-file')
    args = parser.parse_args()

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server('127.0.0.1', args.port, app, threaded=True,
                         request_handler=MotoRequestHandler)
    port = server.server_address[1]
    # Step Functions' execution mode invokes Lambda (and other services) at
    # http://localhost:$MOTO_PORT, as moto's own launcher sets it.
    os.environ['MOTO_PORT'] = str(port)
    url = 'http://127.0.0.1:%d' % port
    print('moto listening on ' + url, flush=True)
    if args.url_file:
        with open(args.url_file, 'w') as f:
            f.write(url)
    server.serve_forever()


if __name__ == '__main__':
    main()
