# Generates Tests/GLMEngineTests/Chat/ToolCallCases.swift: the valid tool calls with the JSON CPython's
# ast.literal_eval + json.dumps(ensure_ascii=False) give for them (the reference the parser is checked against).
# Usage: python3 scripts/gen-toolcall-cases.py > Tests/GLMEngineTests/Chat/ToolCallCases.swift
import ast, json, sys

valid = [
    ("no arguments", "tool_call()"),
    ("single quotes", "tool_call(city='Paris')"),
    ("double quotes", 'tool_call(city="Paris")'),
    ("signed integers", "tool_call(a=1, b=-2, c=+3)"),
    ("integer bases and underscores", "tool_call(x=0x1F, y=0o17, z=0b101, w=1_000_000, v=0X_ff)"),
    ("float forms", "tool_call(f=1.5, g=.5, h=5., i=1e3, j=1E-3, k=-2.5e+2, l=1_0.0_1, m=007.5)"),
    ("float repr as json.dumps writes it", "tool_call(x=0.1, y=1e16, z=1e-05, w=-0.0, v=123456789.123456789)"),
    ("zeros", "tool_call(a=0, b=00, c=0_0, d=0.0, e=0e0, f=-0)"),
    ("64-bit limits", "tool_call(max=9223372036854775807, min=-9223372036854775808)"),
    ("True False None", "tool_call(t=True, f=False, n=None)"),
    ("list", "tool_call(items=[1, 'two', 3.0, None, True])"),
    ("tuples", "tool_call(point=(1, 2), single=(1,), empty=())"),
    ("dict", "tool_call(d={'a': 1, \"b\": [2, 3]})"),
    ("empty containers", "tool_call(a=[], b={}, c=())"),
    ("deep nesting of every kind", "tool_call(nested={'a': {'b': {'c': [1, (2, 3), {'d': None}, [[[]]]]}}})"),
    ("parenthesized values", "tool_call(a=(1), b=((('x'))), c=([1]))"),
    ("Chinese text", "tool_call(city='北京', note=\"你好，世界\")"),
    ("emoji with modifiers", "tool_call(emoji='😀👍🏽👨‍👩‍👧')"),
    ("simple escapes", r"""tool_call(s='a\nb\tc\\d\'e\"f')"""),
    ("bell, backspace, form feed, vertical tab, carriage return", r'''tool_call(s="\a\b\f\v\r")'''),
    ("octal escapes", r"""tool_call(s='\101\0\7\1234')"""),
    ("hex escapes", r"""tool_call(s='\x41\xe9\xFF')"""),
    ("unicode escapes", r"""tool_call(s='\u4e2d\U0001F600\u00e9')"""),
    ("named escapes in any case", r"""tool_call(s='\N{LATIN SMALL LETTER E WITH ACUTE}\N{snowman}\N{CJK UNIFIED IDEOGRAPH-4E2D}')"""),
    ("unknown escapes keep their backslash", r"""tool_call(s='\d\w\ \中')"""),
    ("backslash-newline inside a string", "tool_call(s='a\\\nb')"),
    ("raw strings", r"""tool_call(pattern=r'\d+\.\n', other=R"\'", third=r'\\')"""),
    ("triple single quotes over lines", "tool_call(text='''line1\nline2 \"quoted\" 'single' ''')"),
    ("triple double quotes", 'tool_call(text="""a\n\'b\' "c" """)'),
    ("adjacent strings are joined", r"""tool_call(s='abc' "def" r'\n' u'x')"""),
    ("adjacent strings across lines", "tool_call(s=('first '\n   'second'))"),
    ("u prefix", "tool_call(s=u'x', t=U\"y\")"),
    ("trailing commas", "tool_call(a=[1, 2,], b={'k': 1,}, c=(1,),)"),
    ("newlines and comments", "tool_call(\n    a=1,  # the first\n    # a comment line\n    b=2,\n)"),
    ("backslash continuation between tokens", "tool_call(a=\\\n1)"),
    ("tabs, form feeds and CRLF", "tool_call(\r\n\ta=1,\x0c\r\n\tb='x'\r\n)"),
    ("spaces around everything", "  tool_call  (  a  =  [ 1 , 2 ]  ,  b = - 1 )  "),
    ("dict keys of every scalar type", "tool_call(d={1: 'a', 2.5: 'b', None: 'd', False: 'e', 'k': 'f'})"),
    ("equal keys merge as in Python", "tool_call(d={1: 'a', True: 'b', 1.0: 'c', 2: 'x'})"),
    ("a repeated key keeps its place and the last value", "tool_call(d={'a': 1, 'b': 2, 'a': 3})"),
    ("canonically equivalent keys stay apart", "tool_call(d={'\u5e74': 1, '\uf98e': 2})"),
    ("canonically equivalent values keep their bytes", "tool_call(a='\u5e74', b='\uf98e', c='K\u212a')"),
    ("Unicode argument names", "tool_call(城市='上海', _private=1, café=2)"),
    ("argument names are NFKC-normalized", "tool_call(\ufb01le='x')"),
    ("strings that look like code", "tool_call(code='__import__(\"os\").system(\"ls\")', hash='# not a comment', q='f(x), [y]')"),
    ("empty strings", "tool_call(a='', b=\"\", c='''''', d=r'')"),
    ("negative numbers in containers", "tool_call(a=[-1.5, +2, -0x10], b={'k': -1})"),
    ("a long string", "tool_call(s='" + "长" * 5000 + "')"),
    ("nesting near the limit", "tool_call(a=" + "[" * 60 + "]" * 60 + ")"),
    ("a realistic weather call", "tool_call(location='San Francisco, CA', unit='celsius', days=3, hourly=False)"),
    ("a realistic search call", "tool_call(query=\"ChatGLM3 6B\", filters={'year': [2023, 2024], 'lang': ('en', 'zh')}, limit=10)"),
]

def expected(code):
    tree = ast.parse(code.strip(), mode="eval")
    call = tree.body
    assert isinstance(call, ast.Call) and call.func.id == "tool_call" and not call.args
    return json.dumps({kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}, ensure_ascii=False)

def swift(s):
    out = []
    for ch in s:
        if ch == "\\": out.append("\\\\")
        elif ch == '"': out.append('\\"')
        elif ch == "\n": out.append("\\n")
        elif ch == "\r": out.append("\\r")
        elif ch == "\t": out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7f: out.append("\\u{%x}" % ord(ch))
        else: out.append(ch)
    return '"' + "".join(out) + '"'

print("// Generated by scripts/gen-toolcall-cases.py from CPython's ast.literal_eval + json.dumps; do not edit by hand.")
print("let validToolCalls: [ToolCallCase] = [")
for label, code in valid:
    print(f"    ToolCallCase({swift(label)}, code: {swift(code)},\n                 json: {swift(expected(code))}),")
print("]")
