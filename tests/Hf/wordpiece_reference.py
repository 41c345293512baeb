"""An independent WordPiece for the tests: BERT's uncased pre-tokenizer written straight from its description,
using Python's own unicodedata (real NFD) for the accents. Reads a vocab.txt (argument) and one JSON string per
line on stdin; prints one JSON [tokens, ids] per line."""
import unicodedata, sys, json
vocab = [l.rstrip('\n') for l in open(sys.argv[1], encoding='utf-8')]
ids = {t:i for i,t in enumerate(vocab)}
def is_ws(c): return c in ' \t\n\r' or unicodedata.category(c)=='Zs'
def is_ctrl(c):
    if c in '\t\n\r': return False
    return unicodedata.category(c).startswith('C')
def is_punc(c):
    cp=ord(c)
    if 33<=cp<=47 or 58<=cp<=64 or 91<=cp<=96 or 123<=cp<=126: return True
    return unicodedata.category(c).startswith('P')
def is_cjk(cp):
    return (0x4E00<=cp<=0x9FFF or 0x3400<=cp<=0x4DBF or 0x20000<=cp<=0x2A6DF or 0x2A700<=cp<=0x2B73F or 0x2B740<=cp<=0x2B81F or 0x2B820<=cp<=0x2CEAF or 0xF900<=cp<=0xFAFF or 0x2F800<=cp<=0x2FA1F)
def basic(text):
    out=[]
    for c in text:
        cp=ord(c)
        if cp==0 or cp==0xFFFD or is_ctrl(c): continue
        if is_ws(c): out.append(' ')
        elif is_cjk(cp): out.append(' '+c+' ')
        else: out.append(c)
    words=[]
    for tok in ''.join(out).split():
        tok=tok.lower()
        tok=''.join(ch for ch in unicodedata.normalize('NFD',tok) if unicodedata.category(ch)!='Mn')
        cur=''
        for ch in tok:
            if is_punc(ch):
                if cur: words.append(cur)
                words.append(ch); cur=''
            else: cur+=ch
        if cur: words.append(cur)
    return words
def wp(word):
    if len(word)>100: return ['[UNK]']
    out=[]; s=0
    while s<len(word):
        e=len(word); cur=None
        while s<e:
            sub=word[s:e]
            if s>0: sub='##'+sub
            if sub in ids: cur=sub; break
            e-=1
        if cur is None: return ['[UNK]']
        out.append(cur); s=e
    return out
specials=['[UNK]','[PAD]','[MASK]','[CLS]','[SEP]']
def tokenize(text):
    res=[]
    while text:
        best=(len(text),None)
        for s in specials:
            i=text.find(s)
            if i>=0 and i<best[0]: best=(i,s)
        for w in basic(text[:best[0]]): res+=wp(w)
        if best[1] is None: break
        res.append(best[1]); text=text[best[0]+len(best[1]):]
    return res
for line in sys.stdin:
    t=json.loads(line)
    toks=tokenize(t)
    print(json.dumps([toks,[ids[x] for x in toks]], ensure_ascii=False))
