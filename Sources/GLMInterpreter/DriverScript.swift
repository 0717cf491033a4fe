/// The Python program that runs inside the sandbox (`python -c DriverScript.source`): one namespace
/// for the session's blocks, like the Jupyter kernel of ChatGLM3's demo. Framed JSON requests on
/// fd 3, answers on fd 4; the limits are set before any block runs (docs/SANDBOX.md, "The driver").
enum DriverScript {
    static let source = #"""
import ast, builtins, json, linecache, os, pprint, queue, resource, signal, struct, sys, threading, traceback
import faulthandler, importlib.machinery

def _limit(which, value):
    if value:
        soft = hard = int(value)
        if which == resource.RLIMIT_CPU:
            hard = soft + 1
        resource.setrlimit(which, (soft, hard))

_limit(resource.RLIMIT_AS, os.environ.pop('GLMCHAT_MEMORY', ''))
_limit(resource.RLIMIT_CPU, os.environ.pop('GLMCHAT_CPU', ''))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
DATA = os.environ.pop('GLMCHAT_DATA', '/mnt/data')
os.chdir(DATA)
faulthandler.enable(all_threads=False)
os.set_inheritable(3, False)
os.set_inheritable(4, False)
_requests = queue.Queue()
_state = {'running': False, 'figures': 0}

def _read_exact(count):
    data = b''
    while len(data) < count:
        chunk = os.read(3, count - len(data))
        if not chunk:
            os._exit(0)
        data += chunk
    return data

def _send(message):
    body = json.dumps(message, ensure_ascii=True).encode('ascii')
    data = struct.pack('>I', len(body)) + body
    while data:
        data = data[os.write(4, data):]

def _reader():
    while True:
        length = struct.unpack('>I', _read_exact(4))[0]
        request = json.loads(_read_exact(length).decode('utf-8'))
        if request.get('op') == 'interrupt':
            if _state['running']:
                signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        else:
            _requests.put(request)

def _on_sigint(signum, frame):
    if _state['running']:
        raise KeyboardInterrupt

signal.signal(signal.SIGINT, _on_sigint)

def _next_figure_path():
    while True:
        _state['figures'] += 1
        path = os.path.join(DATA, 'figure-%d.png' % _state['figures'])
        if not os.path.lexists(path):
            return path

def _save_figures():
    pyplot = sys.modules.get('matplotlib.pyplot')
    if pyplot is None:
        return
    for number in pyplot.get_fignums():
        pyplot.figure(number).savefig(_next_figure_path())
        print('\u3010image\u3011')
    pyplot.close('all')

class _PyplotHook:
    # Replaces pyplot.show as soon as pyplot is imported: a shown figure is saved.
    def find_spec(self, name, path=None, target=None):
        if name != 'matplotlib.pyplot':
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module
        def exec_module(module):
            load(module)
            module.show = lambda *args, **kwargs: _save_figures()
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _PyplotHook())
_namespace = {'__name__': '__main__', '__builtins__': builtins}

def _trimmed(tb):
    while tb is not None and tb.tb_frame.f_code.co_filename == '<string>':
        tb = tb.tb_next
    return tb

def _run(code, number):
    name = '<block %d>' % number
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    try:
        _state['running'] = True
        try:
            tree = ast.parse(code, name, 'exec')
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            exec(compile(tree, name, 'exec'), _namespace)
            if last is not None:
                value = eval(compile(last, name, 'eval'), _namespace)
                if value is not None:
                    builtins._ = value
                    print(pprint.pformat(value))
            _save_figures()
        finally:
            _state['running'] = False
        return 'ok', None
    except BaseException as error:
        _state['running'] = False
        status = 'interrupted' if isinstance(error, KeyboardInterrupt) else 'error'
        try:
            report = traceback.TracebackException(type(error), error, _trimmed(error.__traceback__))
            report.stack = traceback.StackSummary.from_list(
                [frame for frame in report.stack if frame.filename != '<string>'])
            return status, ''.join(report.format())
        except BaseException:
            return status, '%s: %s' % (type(error).__name__, error)

threading.Thread(target=_reader, daemon=True).start()
_send({'ready': sys.version.split()[0]})
_count = 0
while True:
    try:
        _request = _requests.get()
        _count += 1
        _status, _traceback = _run(_request.get('code', ''), _count)
    except KeyboardInterrupt:
        _status, _traceback = 'interrupted', 'KeyboardInterrupt'
    for _stream in (sys.stdout, sys.stderr):
        try:
            _stream.flush()
        except BaseException:
            pass
    _marker = _request.get('marker', '').encode('ascii')
    for _fd in (1, 2):
        try:
            os.write(_fd, _marker)
        except OSError:
            pass
    _send({'status': _status, 'traceback': _traceback})
"""#
}
