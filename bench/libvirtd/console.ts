/**
 * A domain's serial console through libvirt-python, for a daemon reached only from inside a network
 * namespace (the confined libvirtd of a migration pair, or a tsvirtd beside it): run the argv there.
 */
import { PYTHON } from './python.js';

/**
 * The argv of a python run that opens `name`'s console on `uri`, types `input` (if any), and prints what
 * the guest writes during `seconds`, or until that output contains `until`.
 */
export function consoleArgv(uri: string, name: string, input: string, seconds: number, until = ''): string[] {
  const script = `
import sys, time, libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
dom = conn.lookupByName(sys.argv[2])
st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
dom.openConsole(None, st, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
out = []
def on_data(stream, events, _):
    if events & libvirt.VIR_STREAM_EVENT_READABLE:
        while True:
            d = stream.recv(65536)
            if not isinstance(d, bytes) or len(d) == 0:
                break
            out.append(d)
st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE, on_data, None)
if sys.argv[3]:
    st.send(sys.argv[3].encode())
end = time.time() + float(sys.argv[4])
while time.time() < end and not (sys.argv[5] and sys.argv[5].encode() in b''.join(out)):
    libvirt.virEventRunDefaultImpl()
st.eventRemoveCallback()
st.abort()
sys.stdout.write(b''.join(out).decode('latin1'))
`;
  return [PYTHON, '-c', script, uri, name, input, String(seconds), until];
}
