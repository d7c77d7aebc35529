/*
 * mustache.c: compile mustache templates once, render them many times.
 *
 * A template compiles to a flat array of struct op.  Sections, blocks and
 * parents hold the index just past their body, so rendering is a loop over
 * a range of operations that recurses only into bodies.  Text and names
 * point into the template's own copy of its source.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache.h"
#include "util.h"

enum op_type {
	OP_TEXT,
	OP_VAR,		/* {{name}}, {{{name}}}, {{&name}} */
	OP_SECTION,	/* {{#name}} */
	OP_INVERTED,	/* {{^name}} */
	OP_PARTIAL,	/* {{>name}} */
	OP_PARENT,	/* {{<name}} */
	OP_BLOCK,	/* {{$name}} */
	OP__MAX
};

#define F_ESCAPE	0x01	/* HTML-escape the value */
#define F_BOL		0x02	/* starts a line of the source */
#define F_STANDALONE	0x04	/* tag alone on its line */
#define F_DYNAMIC	0x08	/* {{>*name}}: the name is looked up */
#define F_WSBEFORE	0x10	/* only blanks before it on its line */
#define F_DOTTED	0x20	/* the name has a '.' (not just ".") */
#define F_INDENT	0x40	/* a tag that starts a line of a partial */
#define F_SELF		0x80	/* the name is "." */

struct op {
	uint8_t		 type;
	uint16_t	 flags;
	uint32_t	 off, len;	/* text, or the tag's name */
	uint32_t	 seg;		/* length of the name's first segment */
	uint32_t	 end;		/* index past the body */
	uint32_t	 ind_off, ind_len;	/* standalone indentation */
	int32_t		 target;	/* static partial/parent, or -1 */
	uint32_t	 line, col;
};

struct tpl {
	char		*name;
	char		*file;
	char		*src;
	size_t		 srclen;
	struct op	*ops;
	size_t		 nops;
	size_t		 opcap;
};

struct mustache_set {
	struct tpl	*t;
	size_t		 n;
	size_t		 cap;
};

/* ---------------------------------------------------------------- */
/* Errors                                                           */
/* ---------------------------------------------------------------- */

static void __attribute__((format(printf, 5, 6)))
seterr(struct mustache_error *err, const char *file, unsigned line,
    unsigned col, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void
mustache_error_format(const struct mustache_error *e, struct buf *out)
{
	if (e->file[0] != '\0')
		buf_printf(out, "%s:", e->file);
	if (e->line > 0)
		buf_printf(out, "%u:", e->line);
	if (e->line > 0 && e->col > 0)
		buf_printf(out, "%u:", e->col);
	if (out->len > 0)
		buf_putc(out, ' ');
	buf_puts(out, e->msg);
}

/* ---------------------------------------------------------------- */
/* Compiling                                                        */
/* ---------------------------------------------------------------- */

#define MAX_DELIM	32
#define SRC_PAD		33	/* zero bytes after a template's source */
#define MAX_NEST	256

struct open {
	size_t		 op;		/* index of the opening op */
	unsigned	 line, col;
};

struct parser {
	struct tpl	*t;
	const char	*s;		/* == t->src */
	size_t		 len;
	size_t		 pos;
	char		 otag[MAX_DELIM + 1], ctag[MAX_DELIM + 1];
	size_t		 olen, clen;
	struct open	 stack[MAX_NEST];
	size_t		 depth;
	/*
	 * Inside a parent tag only blocks count, so a parent's opening tag
	 * and the end of an overriding block are as blank for the
	 * standalone rule: [clean_bol, clean_to) is such a line start.
	 */
	size_t		 clean_bol, clean_to;
	struct mustache_error *err;
};

/* Line and column (1-based, in bytes) of offset off. */
static void
linecol(const char *s, size_t off, unsigned *line, unsigned *col)
{
	size_t	 i, bol = 0;
	unsigned l = 1;

	for (i = 0; i < off; i++)
		if (s[i] == '\n') {
			l++;
			bol = i + 1;
		}
	*line = l;
	*col = (unsigned)(off - bol) + 1;
}

static void __attribute__((format(printf, 3, 4)))
perr(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[256];
	unsigned line, col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	linecol(p->s, off, &line, &col);
	seterr(p->err, p->t->file, line, col, "%s", msg);
}

static struct op *
emit(struct parser *p, enum op_type type, size_t off, size_t len)
{
	struct tpl	*t = p->t;
	struct op	*o;

	if (t->nops == t->opcap) {
		t->opcap = t->opcap ? t->opcap * 2 : 16;
		t->ops = xreallocarray(t->ops, t->opcap, sizeof(*t->ops));
	}
	o = &t->ops[t->nops++];
	memset(o, 0, sizeof(*o));
	o->type = (uint8_t)type;
	o->off = (uint32_t)off;
	o->len = (uint32_t)len;
	o->target = -1;
	if (off == 0 || p->s[off - 1] == '\n')
		o->flags |= F_BOL;
	return o;
}

static void
emit_text(struct parser *p, size_t from, size_t to)
{
	if (to > from)
		emit(p, OP_TEXT, from, to - from);
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims blanks around [*a, *b) in place. */
static void
trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && (is_ws(s[*a]) || s[*a] == '\r' || s[*a] == '\n'))
		(*a)++;
	while (*b > *a &&
	    (is_ws(s[*b - 1]) || s[*b - 1] == '\r' || s[*b - 1] == '\n'))
		(*b)--;
}

/*
 * A tag may be standalone: alone on its line but for blanks.  Returns the
 * offset just past the line's end (past "\n" or "\r\n", or the end of the
 * source) when it is, else 0; *bol gets the start of the line.
 */
static size_t
standalone(const struct parser *p, size_t start, size_t end, size_t *bol)
{
	size_t	 i;

	i = start;
	while (i > 0 && is_ws(p->s[i - 1]))
		i--;
	if (i > 0 && p->s[i - 1] != '\n') {
		if (i != p->clean_to)	/* i > 0: clean_to 0 never matches */
			return 0;
		*bol = p->clean_bol;
	} else
		*bol = i;
	i = end;
	while (i < p->len && is_ws(p->s[i]))
		i++;
	if (i == p->len)
		return i;
	if (p->s[i] == '\n')
		return i + 1;
	if (p->s[i] == '\r' && i + 1 < p->len && p->s[i + 1] == '\n')
		return i + 2;
	return 0;
}

/* {{=<% %>=}}: body is "<% %>" between the two '='. */
static int
set_delims(struct parser *p, size_t a, size_t b, size_t tagoff)
{
	size_t	 i, o0, o1, c0, c1;

	trim(p->s, &a, &b);
	i = a;
	o0 = i;
	while (i < b && !is_ws(p->s[i]) && p->s[i] != '=')
		i++;
	o1 = i;
	while (i < b && is_ws(p->s[i]))
		i++;
	c0 = i;
	while (i < b && !is_ws(p->s[i]) && p->s[i] != '=')
		i++;
	c1 = i;
	if (o1 == o0 || c1 == c0 || c1 != b || o1 == c0 ||
	    o1 - o0 > MAX_DELIM || c1 - c0 > MAX_DELIM) {
		perr(p, tagoff,
		    "bad delimiter change: expected two "
		    "delimiters without blanks or '=', like {{=<%% %%>=}}");
		return -1;
	}
	memcpy(p->otag, p->s + o0, o1 - o0);
	p->olen = o1 - o0;
	p->otag[p->olen] = '\0';
	memcpy(p->ctag, p->s + c0, c1 - c0);
	p->clen = c1 - c0;
	p->ctag[p->clen] = '\0';
	return 0;
}

/* The start of tagoff's line when only blanks precede it, else SIZE_MAX. */
static size_t
wsbefore(const struct parser *p, size_t tagoff)
{
	size_t	 i = tagoff;

	while (i > 0 && is_ws(p->s[i - 1]))
		i--;
	return (i == 0 || p->s[i - 1] == '\n') ? i : SIZE_MAX;
}

static int
name_ok(struct parser *p, char sigil, size_t a, size_t b, size_t tagoff)
{
	size_t	 i;

	if (a == b) {
		if (sigil != '\0')
			perr(p, tagoff, "empty tag name after '%c'", sigil);
		else
			perr(p, tagoff, "empty tag name");
		return -1;
	}
	for (i = a; i < b; i++)
		if (is_ws(p->s[i]) || p->s[i] == '\n' || p->s[i] == '\r') {
			perr(p, tagoff, "tag name \"%.*s\" contains a blank",
			    (int)(b - a), p->s + a);
			return -1;
		}
	return 0;
}

static int
open_section(struct parser *p, struct op *o, size_t tagoff)
{
	struct open	*st;

	if (p->depth == MAX_NEST) {
		perr(p, tagoff, "sections nested deeper than %d", MAX_NEST);
		return -1;
	}
	st = &p->stack[p->depth++];
	st->op = (size_t)(o - p->t->ops);
	linecol(p->s, tagoff, &st->line, &st->col);
	o->line = st->line;
	o->col = st->col;
	return 0;
}

/*
 * A parent whose opening and closing tags share a line with nothing else
 * is standalone as a pair: it takes the line's indentation, which the text
 * before it must then give up.
 */
static void
parent_pair(struct parser *p, size_t idx)
{
	struct op	*o = &p->t->ops[idx], *prev;

	if ((o->flags & (F_STANDALONE | F_WSBEFORE)) != F_WSBEFORE)
		return;
	o->flags |= F_STANDALONE | F_BOL;
	if (idx > 0 && o->ind_len > 0) {
		prev = &p->t->ops[idx - 1];
		if (prev->type == OP_TEXT &&
		    prev->off + prev->len == o->ind_off + o->ind_len &&
		    prev->len >= o->ind_len)
			prev->len -= o->ind_len;
	}
}

static int
close_section(struct parser *p, size_t a, size_t b, size_t tagoff, size_t end,
    bool is_standalone)
{
	struct open	*st;
	struct op	*o;

	if (p->depth == 0) {
		perr(p, tagoff, "closing tag \"%.*s\" has no open section",
		    (int)(b - a), p->s + a);
		return -1;
	}
	st = &p->stack[p->depth - 1];
	o = &p->t->ops[st->op];
	if (o->len != b - a || memcmp(p->s + o->off, p->s + a, b - a) != 0) {
		perr(p, tagoff,
		    "closing tag \"%.*s\" does not match section "
		    "\"%.*s\" opened at %u:%u",
		    (int)(b - a), p->s + a, (int)o->len, p->s + o->off,
		    st->line, st->col);
		return -1;
	}
	o->end = (uint32_t)p->t->nops;
	p->depth--;
	if (o->type == OP_PARENT && is_standalone)
		parent_pair(p, st->op);
	/* The end of an overriding block is blank to the standalone rule. */
	if (o->type == OP_BLOCK && p->depth > 0 &&
	    p->t->ops[p->stack[p->depth - 1].op].type == OP_PARENT &&
	    !is_standalone &&
	    (p->clean_to == tagoff || wsbefore(p, tagoff) != SIZE_MAX)) {
		if (p->clean_to != tagoff)
			p->clean_bol = wsbefore(p, tagoff);
		p->clean_to = end;
	}
	return 0;
}

/* One tag as lexed, before it becomes an op. */
struct tag {
	size_t	 off;	/* its opening delimiter */
	size_t	 a, b;	/* the name: trimmed, sigil and braces removed */
	size_t	 end;	/* just past its closing delimiter */
	char	 sigil;	/* one of "!#^/>&{=<$", or '\0' for a variable */
	bool	 dyn;	/* "*" after '>' or '<': a dynamic name */
};

/*
 * Lexes the sigil and braces of a tag whose closing delimiter (after
 * *a) starts at b; narrows *a and *b to the inside.  Returns 0, or -1
 * with the error set.
 */
static int
lex_sigil(struct parser *p, struct tag *tg)
{
	while (tg->a < tg->b && is_ws(p->s[tg->a]))
		tg->a++;
	tg->sigil = tg->a < tg->b ? p->s[tg->a] : '\0';
	if (tg->sigil != '\0' && strchr("!#^/>&{=<$", tg->sigil) != NULL)
		tg->a++;
	else
		tg->sigil = '\0';
	if (tg->sigil == '{') {
		if (tg->b == tg->a || p->s[tg->b - 1] != '}') {
			perr(p, tg->off,
			    "unescaped tag is not closed "
			    "with \"}%s\"",
			    p->ctag);
			return -1;
		}
		tg->b--;
	}
	if (tg->sigil == '=') {
		if (tg->b == tg->a || p->s[tg->b - 1] != '=') {
			perr(p, tg->off,
			    "bad delimiter change: "
			    "missing closing '='");
			return -1;
		}
		tg->b--;
	}
	return 0;
}

/*
 * Lexes the tag whose opening delimiter starts at tagoff into *tg: finds
 * its closing delimiter and sigil and trims its name.  Decides nothing
 * about ops.  Returns 0, or -1 with the error set.
 */
static int
lex_tag(struct parser *p, size_t tagoff, struct tag *tg)
{
	const char	*c;
	int		 triple = 0;

	memset(tg, 0, sizeof(*tg));
	tg->off = tagoff;
	tg->a = tagoff + p->olen;
	if (p->olen == 2 && memcmp(p->otag, "{{", 2) == 0 && tg->a < p->len &&
	    p->s[tg->a] == '{')
		triple = 1;
	c = memmem(p->s + tg->a + triple, p->len - tg->a - triple, p->ctag,
	    p->clen);
	if (c == NULL) {
		perr(p, tagoff, "tag is never closed (expected \"%s\")",
		    p->ctag);
		return -1;
	}
	tg->b = (size_t)(c - p->s);
	tg->end = tg->b + p->clen;
	if (triple) {
		if (tg->end >= p->len || p->s[tg->end] != '}') {
			perr(p, tagoff,
			    "triple mustache is not closed "
			    "with \"}%s\"",
			    p->ctag);
			return -1;
		}
		tg->end++;
		tg->a++;
		tg->sigil = '{';
	} else if (lex_sigil(p, tg) == -1)
		return -1;
	if (tg->sigil != '!' && tg->sigil != '=')
		trim(p->s, &tg->a, &tg->b);
	if ((tg->sigil == '>' || tg->sigil == '<') && tg->a < tg->b &&
	    p->s[tg->a] == '*') {
		tg->dyn = true;
		tg->a++;
		while (tg->a < tg->b && is_ws(p->s[tg->a]))
			tg->a++;
	}
	return 0;
}

/* The op a tag's sigil makes ('!', '=' and '/' make none). */
static enum op_type
sigil_op(char sigil)
{
	switch (sigil) {
	case '#':
		return OP_SECTION;
	case '^':
		return OP_INVERTED;
	case '>':
		return OP_PARTIAL;
	case '<':
		return OP_PARENT;
	case '$':
		return OP_BLOCK;
	default:
		return OP_VAR;
	}
}

/*
 * Sets the position flags of the op o made from tag tg: whether it starts
 * a line, stands alone on it (close != 0, its line starting at bol) or has
 * only blanks before it (bol != SIZE_MAX), and its indentation.
 */
static void
op_position(struct parser *p, struct op *o, const struct tag *tg, size_t close,
    size_t bol)
{
	size_t	 tagoff = tg->off;

	o->flags = (uint16_t)(o->flags & ~F_BOL);
	if (o->type == OP_VAR) {
		if (tagoff == 0 || p->s[tagoff - 1] == '\n')
			o->flags |= F_BOL;
		if (tg->sigil == '\0')
			o->flags |= F_ESCAPE;
		return;
	}
	if (close != 0) {
		o->flags |= F_STANDALONE | F_BOL;
		o->ind_off = (uint32_t)bol;
		o->ind_len = (uint32_t)(tagoff - bol);
	} else {
		if (tagoff == 0 || p->s[tagoff - 1] == '\n')
			o->flags |= F_BOL;
		if (bol != SIZE_MAX) {
			o->flags |= F_WSBEFORE;
			o->ind_off = (uint32_t)bol;
			o->ind_len = (uint32_t)(tagoff - bol);
		}
	}
	if (o->type == OP_PARENT && (close != 0 || bol != SIZE_MAX)) {
		p->clean_bol = bol;
		p->clean_to = tg->end;
	}
}

/*
 * Decides what the lexed tag tg does: nothing (a comment), change the
 * delimiters, close a section, or emit one op (and open a section).
 * close and bol are as for op_position.  Returns 0, or -1 with the error
 * set.
 */
static int
tag_op(struct parser *p, const struct tag *tg, size_t close, size_t bol)
{
	struct op	*o;
	const char	*c;
	size_t		 a = tg->a, b = tg->b;

	switch (tg->sigil) {
	case '!':
		return 0;
	case '=':
		return set_delims(p, a, b, tg->off);
	case '/':
		if (name_ok(p, tg->sigil, a, b, tg->off) == -1)
			return -1;
		return close_section(p, a, b, tg->off, tg->end, close != 0);
	default:
		break;
	}
	if (name_ok(p, tg->sigil, a, b, tg->off) == -1)
		return -1;
	o = emit(p, sigil_op(tg->sigil), a, b - a);
	op_position(p, o, tg, close, bol);
	if (tg->dyn)
		o->flags |= F_DYNAMIC;
	o->seg = o->len;
	if (b - a > 1 && (c = memchr(p->s + a, '.', b - a)) != NULL) {
		o->flags |= F_DOTTED;
		o->seg = (uint32_t)(c - (p->s + a));
	} else if (b - a == 1 && p->s[a] == '.')
		o->flags |= F_SELF;
	if ((o->flags & (F_BOL | F_STANDALONE)) == F_BOL)
		o->flags |= F_INDENT;
	linecol(p->s, tg->off, &o->line, &o->col);
	if (o->type == OP_SECTION || o->type == OP_INVERTED ||
	    o->type == OP_PARENT || o->type == OP_BLOCK)
		return open_section(p, o, tg->off);
	return 0;
}

/*
 * Parses one tag whose opening delimiter starts at tagoff: lexes it,
 * emits the text before it (up to the start of its line when the tag is
 * standalone, since standalone tags eat their line), then decides its op.
 * Returns the offset where text resumes, or 0 on error.
 */
static size_t
parse_tag(struct parser *p, size_t tagoff, size_t textstart)
{
	struct tag	 tg;
	size_t		 next, bol = 0, close;

	if (lex_tag(p, tagoff, &tg) == -1)
		return 0;
	next = tg.end;
	if (tg.sigil != '\0' && strchr("!#^/>=<$", tg.sigil) != NULL &&
	    (close = standalone(p, tagoff, tg.end, &bol)) != 0) {
		emit_text(p, textstart, bol > textstart ? bol : textstart);
		next = close;
	} else {
		emit_text(p, textstart, tagoff);
		close = 0;
		bol = wsbefore(p, tagoff);
	}
	return tag_op(p, &tg, close, bol) == -1 ? 0 : next;
}

static int
compile(struct tpl *t, struct mustache_error *err)
{
	struct parser	 p;
	const char	*c;
	size_t		 textstart = 0, tagoff, next;
	struct open	*st;
	struct op	*o;

	memset(&p, 0, sizeof(p));
	p.t = t;
	p.s = t->src;
	p.len = t->srclen;
	p.err = err;
	memcpy(p.otag, "{{", 3);
	memcpy(p.ctag, "}}", 3);
	p.olen = p.clen = 2;
	while (p.pos < p.len) {
		c = memmem(p.s + p.pos, p.len - p.pos, p.otag, p.olen);
		if (c == NULL)
			break;
		tagoff = (size_t)(c - p.s);
		if ((next = parse_tag(&p, tagoff, textstart)) == 0)
			return -1;
		p.pos = textstart = next;
	}
	emit_text(&p, textstart, p.len);
	if (p.depth > 0) {
		st = &p.stack[p.depth - 1];
		o = &t->ops[st->op];
		seterr(err, t->file, st->line, st->col,
		    "%s \"%.*s\" opened "
		    "at %u:%u is never closed",
		    o->type == OP_PARENT ? "parent" :
			o->type == OP_BLOCK ? "block" :
					      "section",
		    (int)o->len, t->src + o->off, st->line, st->col);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Template sets                                                    */
/* ---------------------------------------------------------------- */

struct mustache_set *
mustache_set_new(void)
{
	return xcalloc(1, sizeof(struct mustache_set));
}

static void
tpl_free(struct tpl *t)
{
	free(t->name);
	free(t->file);
	free(t->src);
	free(t->ops);
}

void
mustache_set_free(struct mustache_set *set)
{
	size_t	 i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		tpl_free(&set->t[i]);
	free(set->t);
	free(set);
}

static ssize_t
find(const struct mustache_set *set, const char *name, size_t len)
{
	size_t	 i;

	/* memcmp on the exact length: a JSON name may hold a NUL byte. */
	for (i = 0; i < set->n; i++)
		if (strlen(set->t[i].name) == len &&
		    memcmp(set->t[i].name, name, len) == 0)
			return (ssize_t)i;
	return -1;
}

/*
 * Points every static partial and parent tag of the set at the template it
 * names (-1 while there is none), so rendering need not look names up.
 * Run after each addition, which keeps the set immutable once loaded and
 * lets mustache_set_check() take it const.
 */
static void
link_set(struct mustache_set *set)
{
	size_t		 i, j;
	struct tpl	*t;
	struct op	*o;
	ssize_t		 k;

	for (i = 0; i < set->n; i++) {
		t = &set->t[i];
		for (j = 0; j < t->nops; j++) {
			o = &t->ops[j];
			if ((o->type != OP_PARTIAL && o->type != OP_PARENT) ||
			    (o->flags & F_DYNAMIC))
				continue;
			k = find(set, t->src + o->off, o->len);
			o->target = (int32_t)k;
		}
	}
}

bool
mustache_set_has(const struct mustache_set *set, const char *name)
{
	return find(set, name, strlen(name)) >= 0;
}

int
mustache_set_add(struct mustache_set *set, const char *name, const char *src,
    size_t len, const char *file, struct mustache_error *err)
{
	struct tpl	 t;
	ssize_t		 old;

	if (len > UINT32_MAX / 2) {
		seterr(err, file, 0, 0, "template is too large");
		return -1;
	}
	memset(&t, 0, sizeof(t));
	t.name = xstrdup(name);
	t.file = xstrdup(file ? file : name);
	/* Zeroed padding lets rendering copy short text in fixed moves. */
	t.src = xcalloc(1, len + SRC_PAD);
	memcpy(t.src, src, len);
	t.srclen = len;
	if (compile(&t, err) == -1) {
		tpl_free(&t);
		return -1;
	}
	if ((old = find(set, name, strlen(name))) >= 0) {
		tpl_free(&set->t[old]);
		set->t[old] = t;
		link_set(set);
		return 0;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 8;
		set->t = xreallocarray(set->t, set->cap, sizeof(*set->t));
	}
	set->t[set->n++] = t;
	link_set(set);
	return 0;
}

/* A partial name is a plain file name: no '/', no "..", not empty. */
static bool
safe_name(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || (len == 2 && s[0] == '.' && s[1] == '.') ||
	    (len == 1 && s[0] == '.'))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == '\\' || s[i] == '\0')
			return false;
	return true;
}

int
mustache_set_check(const struct mustache_set *set, struct mustache_error *err)
{
	size_t		 i, j;
	const struct tpl	*t;
	const struct op		*o;

	for (i = 0; i < set->n; i++) {
		t = &set->t[i];
		for (j = 0; j < t->nops; j++) {
			o = &t->ops[j];
			if ((o->type != OP_PARTIAL && o->type != OP_PARENT) ||
			    (o->flags & F_DYNAMIC))
				continue;
			if (!safe_name(t->src + o->off, o->len)) {
				seterr(err, t->file, o->line, o->col,
				    "partial name \"%.*s\" is not a plain "
				    "template name",
				    (int)o->len, t->src + o->off);
				return -1;
			}
			if (o->target < 0) {
				seterr(err, t->file, o->line, o->col,
				    "unknown partial \"%.*s\"", (int)o->len,
				    t->src + o->off);
				return -1;
			}
		}
	}
	return 0;
}

int
mustache_read_file(const char *path, struct buf *b, struct mustache_error *err)
{
	FILE	*f;
	char	 chunk[8192];
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		seterr(err, path, 0, 0, "%s", strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	if (ferror(f)) {
		seterr(err, path, 0, 0, "read error");
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int
load_one(struct mustache_set *set, const char *dir, const char *fname,
    struct mustache_error *err)
{
	struct buf	 b = BUF_INIT;
	char		*path, *name;
	int		 rc = -1;

	path = xasprintf("%s/%s", dir, fname);
	name = xstrndup(fname, strlen(fname) - strlen(".mustache"));
	if (mustache_read_file(path, &b, err) == 0 &&
	    mustache_set_add(set, name, b.data ? b.data : "", b.len, path,
		err) == 0)
		rc = 0;
	buf_free(&b);
	free(name);
	free(path);
	return rc;
}

int
mustache_set_load_dir(struct mustache_set *set, const char *dir,
    struct mustache_error *err)
{
	struct dirent	**ents = NULL;
	int		 n, i, rc = 0;
	size_t		 l;

	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		seterr(err, dir, 0, 0, "cannot read template directory: %s",
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		l = strlen(ents[i]->d_name);
		if (rc == 0 && ents[i]->d_name[0] != '.' &&
		    l > strlen(".mustache") &&
		    strcmp(ents[i]->d_name + l - 9, ".mustache") == 0 &&
		    load_one(set, dir, ents[i]->d_name, err) == -1)
			rc = -1;
		free(ents[i]);
	}
	free(ents);
	if (rc == 0)
		rc = mustache_set_check(set, err);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Rendering                                                        */
/* ---------------------------------------------------------------- */

#define MAX_CTX		512
#define MAX_OVERRIDES	128

/* A parent tag's body: the blocks that override its parent's. */
struct override {
	const struct tpl *t;
	size_t		 from, to;
};

struct render {
	const struct mustache_set *set;
	struct buf	*out;
	const json_t	*ctx[MAX_CTX];
	size_t		 nctx;
	struct override	 ov[MAX_OVERRIDES];
	size_t		 nov;
	struct buf	 indent;	/* stack of indentation strings */
	size_t		 ind_from;	/* the active one: [ind_from, len) */
	bool		 skip_indent;	/* the next line start already has it */
	size_t		 dedent;	/* blanks to drop at each line start */
	size_t		 budget;	/* operations left to run */
	unsigned	 depth;
	struct mustache_error *err;
};

static int	run(struct render *, const struct tpl *, size_t, size_t);
static int partial(struct render *, const struct tpl *, const struct op *,
    const struct tpl *);

/*
 * Output.  While a render runs it is the only writer of out, so appends
 * here leave out the NUL terminator and mustache_render() writes it once
 * at the end.  Every append keeps len < cap, which leaves room for it.
 */
static inline void
out_append(struct buf *b, const char *p, size_t n)
{
	if (n < b->cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
	} else
		buf_append(b, p, n);
}

/*
 * Appends template text.  A template's source is followed by SRC_PAD
 * zero bytes, so a run of at most 32 bytes (most of them) copies as two
 * fixed 16-byte moves instead of a call to memcpy; bytes past n land in
 * the free space and are overwritten by what follows.
 */
static inline void
out_text(struct buf *b, const char *s, size_t n)
{
	char	*d;

	if (n <= 32 && b->cap - b->len > 32) {
		d = b->data + b->len;
		memcpy(d, s, 16);
		memcpy(d + 16, s + 16, 16);
		b->len += n;
	} else
		out_append(b, s, n);
}

/* Makes room for n more bytes and the NUL, checking the common case. */
static inline char *
out_room(struct buf *b, size_t n)
{
	if (b->cap - b->len <= n)
		buf_reserve(b, n);
	return b->data + b->len;
}

static const unsigned char escape_map[256] = {
	['&'] = 1,
	['<'] = 2,
	['>'] = 3,
	['"'] = 4,
	['\''] = 5,
};

/* Padded to 8 bytes: a replacement is stored in one fixed move. */
static const char escape_rep[6][8] = { "", "&amp;", "&lt;", "&gt;", "&quot;",
	"&#39;" };
static const unsigned char escape_len[6] = { 0, 5, 4, 4, 6, 5 };

#define ESC_CHUNK	1024	/* bytes escaped per reservation */
#define ONES		0x0101010101010101ULL
/* Nonzero when a byte of w is zero; the lowest flagged byte is one. */
#define ZERO_BYTE(w) (((w)-ONES) & ~(w) & (ONES * 0x80))

/*
 * HTML-escapes s onto out without the NUL.  Room for the worst case (6
 * bytes out per byte in, plus an 8-byte store) is reserved per chunk, so
 * the loop writes without checks.  Eight bytes at a time are tested for
 * the five special characters at once: '"' exactly, '&' and '\'' (0x26,
 * 0x27) as x | 1 == 0x27, '<' and '>' (0x3c, 0x3e) as x | 2 == 0x3e.
 */
static void
escape_into(struct buf *out, const char *s, size_t len)
{
	const char	*end = s + len, *stop;
	char		*d;
	size_t		 n;
	unsigned char	 c;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t	 w, m;
#endif

	while (s < end) {
		n = (size_t)(end - s) < ESC_CHUNK ? (size_t)(end - s) :
						    ESC_CHUNK;
		d = out_room(out, n * 6 + 8);
		stop = s + n;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		while (stop - s >= 8) {
			memcpy(&w, s, 8);
			memcpy(d, &w, 8);
			m = ZERO_BYTE(w ^ (ONES * '"')) |
			    ZERO_BYTE((w | ONES) ^ (ONES * '\'')) |
			    ZERO_BYTE((w | (ONES * 2)) ^ (ONES * '>'));
			if (m == 0) {
				s += 8;
				d += 8;
				continue;
			}
			n = (size_t)__builtin_ctzll(m) >> 3;
			s += n;
			d += n;
			c = escape_map[(unsigned char)*s++];
			memcpy(d, escape_rep[c], 8);
			d += escape_len[c];
		}
#endif
		for (; s < stop; s++) {
			if ((c = escape_map[(unsigned char)*s]) == 0)
				*d++ = *s;
			else {
				memcpy(d, escape_rep[c], 8);
				d += escape_len[c];
			}
		}
		out->len = (size_t)(d - out->data);
	}
}

void
mustache_escape(struct buf *out, const char *s, size_t len)
{
	escape_into(out, s, len);
	buf_append(out, "", 0);		/* the NUL */
}

/* Number of decimal digits of u. */
static inline unsigned
ndigits(unsigned long long u)
{
	unsigned	 n = 1;

	for (;;) {
		if (u < 10)
			return n;
		if (u < 100)
			return n + 1;
		if (u < 1000)
			return n + 2;
		if (u < 10000)
			return n + 3;
		u /= 10000;
		n += 4;
	}
}

/* Writes the n decimal digits of u to d, two at a time from the end. */
static inline void
put_digits(char *d, unsigned n, unsigned long long u)
{
	static const char	 pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "6263646566676869707172737475767778798081828384858687888990919293"
	    "949596979899";
	char			*p = d + n;
	unsigned		 k;

	while (u >= 100) {
		k = (unsigned)(u % 100) * 2;
		u /= 100;
		*--p = pairs[k + 1];
		*--p = pairs[k];
	}
	if (u >= 10) {
		k = (unsigned)u * 2;
		*--p = pairs[k + 1];
		*--p = pairs[k];
	} else
		*--p = (char)('0' + u);
}

/* Appends a 64-bit integer in decimal, without stdio (it is hot). */
static void
put_int(struct buf *out, long long v)
{
	unsigned long long	 u;
	unsigned		 n;
	char			*d;

	d = out_room(out, 24);
	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	if (v < 0)
		*d++ = '-';
	n = ndigits(u);
	put_digits(d, n, u);
	out->len = (size_t)(d + n - out->data);
}

/*
 * Fast path for reals people type (hours like 102.75): the fewest
 * fraction digits k <= 6 such that m / 10^k is exactly d.  Division of
 * an integer below 2^53 by an exact power of ten rounds correctly, as
 * strtod does, so the digits are proven to read back as d.
 *
 * One product finds m: for |d| < 1e9, |d| * 10^6 < 1e15 is within 0.25
 * of m * 10^(6-k), so it rounds to exactly that integer, im.  Since
 * im / 10^6 and m / 10^k are the same rational, their correctly rounded
 * quotients are equal: one test decides, and if it fails no k <= 6
 * works.  The digits are im's with six fraction digits, trailing zeros
 * dropped (an m ending in 0 would make k - 1 work too).
 */
static bool
format_fixed(struct buf *out, double d)
{
	static const char	 pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "6263646566676869707172737475767778798081828384858687888990919293"
	    "949596979899";
	double			 a = fabs(d);
	uint64_t		 im, ip;
	unsigned		 f, n, k;
	char			*o;

	if (a >= 1e9)
		return false;
	im = (uint64_t)(a * 1e6 + 0.5);
	if ((double)im / 1e6 != a)
		return false;
	ip = im / 1000000;
	f = (unsigned)(im % 1000000);
	/* At most "-" 9 digits "." 6 digits. */
	o = out_room(out, 24);
	if (d < 0)
		*o++ = '-';
	n = ndigits(ip);
	put_digits(o, n, ip);
	o += n;
	if (f != 0) {
		o[0] = '.';
		k = f / 10000 * 2;
		o[1] = pairs[k];
		o[2] = pairs[k + 1];
		k = f / 100 % 100 * 2;
		o[3] = pairs[k];
		o[4] = pairs[k + 1];
		k = f % 100 * 2;
		o[5] = pairs[k];
		o[6] = pairs[k + 1];
		for (k = 6; o[k] == '0'; k--)
			;
		o += k + 1;
	}
	out->len = (size_t)(o - out->data);
	return true;
}

/* Shortest "%.*g" that reads back as the same double. */
static void
format_real(struct buf *out, double d)
{
	char	 tmp[64];
	int	 prec;

	if (isnan(d) || isinf(d)) {
		buf_puts(out,
		    isnan(d)  ? "NaN" :
			d < 0 ? "-Infinity" :
				"Infinity");
		return;
	}
	if (d == 0) {
		buf_puts(out, signbit(d) ? "-0" : "0");
		return;
	}
	if (format_fixed(out, d))
		return;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_puts(out, tmp);
}

void
mustache_format_number(struct buf *out, const json_t *v)
{
	if (json_is_integer(v))
		put_int(out, (long long)json_integer_value(v));
	else if (json_is_real(v))
		format_real(out, json_real_value(v));
	else
		return;
	buf_append(out, "", 0);		/* the NUL */
}

static bool
truthy(const json_t *v)
{
	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return true;
	}
}

/*
 * Resolves op o's name against the context stack: the first segment in
 * the innermost frame that has it, the rest strictly inside that value.
 * The stack always holds the render's data, so it is never empty.
 */
static inline const json_t *
lookup(const struct render *r, const struct tpl *t, const struct op *o)
{
	const json_t	*v = NULL, *c;
	const char	*name = t->src + o->off, *dot, *end;
	size_t		 i;

	if (o->flags & F_SELF)
		return r->ctx[r->nctx - 1];
	for (i = r->nctx; i > 0; i--) {
		c = r->ctx[i - 1];
		if (json_is_object(c) &&
		    (v = json_object_getn(c, name, o->seg)) != NULL)
			break;
	}
	if (!(o->flags & F_DOTTED))
		return v;
	end = name + o->len;
	dot = name + o->seg;
	while (v != NULL && dot < end) {
		name = dot + 1;
		if ((dot = memchr(name, '.', (size_t)(end - name))) == NULL)
			dot = end;
		v = json_is_object(v) ?
		    json_object_getn(v, name, (size_t)(dot - name)) :
		    NULL;
	}
	return v;
}

static void
put_indent(struct render *r)
{
	if (r->skip_indent) {
		r->skip_indent = false;
		return;
	}
	out_append(r->out, r->indent.data + r->ind_from,
	    r->indent.len - r->ind_from);
}

/* Drops up to r->dedent leading blanks of a line of an override. */
static size_t
skip_dedent(const struct render *r, const char *s, size_t len)
{
	size_t	 i = 0;

	while (i < len && i < r->dedent && is_ws(s[i]))
		i++;
	return i;
}

/*
 * Template text where indentation applies (run() copies it directly
 * otherwise).  In a partial or a reindented block every line starts with
 * the active indentation (after dropping an override's own).
 */
static void
put_text(struct render *r, const char *s, size_t len, bool bol)
{
	const char	*nl;
	size_t		 n;

	if (bol) {
		n = skip_dedent(r, s, len);
		s += n;
		len -= n;
		put_indent(r);
	}
	while ((nl = memchr(s, '\n', len)) != NULL &&
	    (n = (size_t)(nl - s) + 1) < len) {
		out_append(r->out, s, n);
		s += n;
		len -= n;
		n = skip_dedent(r, s, len);
		s += n;
		len -= n;
		put_indent(r);
	}
	out_append(r->out, s, len);
}

static inline void
put_value(struct render *r, const json_t *v, bool escape)
{
	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			escape_into(r->out, json_string_value(v),
			    json_string_length(v));
		else
			out_append(r->out, json_string_value(v),
			    json_string_length(v));
		break;
	case JSON_INTEGER:
		put_int(r->out, (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		format_real(r->out, json_real_value(v));
		break;
	case JSON_TRUE:
		out_append(r->out, "true", 4);
		break;
	case JSON_FALSE:
		out_append(r->out, "false", 5);
		break;
	default:
		break;
	}
}

static int
push(struct render *r, const json_t *v, const struct tpl *t,
    const struct op *o)
{
	if (r->nctx == MAX_CTX) {
		seterr(r->err, t->file, o->line, o->col,
		    "context stack "
		    "deeper than %d",
		    MAX_CTX);
		return -1;
	}
	r->ctx[r->nctx++] = v;
	return 0;
}

/* Charges the budget for running ops [from, to) once. */
static inline int
spend(struct render *r, const struct tpl *t, size_t from, size_t to)
{
	/* Partials nested in loops can multiply without bound. */
	if (r->budget < to - from + 1) {
		seterr(r->err, t->file, from < to ? t->ops[from].line : 0,
		    from < to ? t->ops[from].col : 0,
		    "rendering takes more "
		    "than %lu operations",
		    MUSTACHE_MAX_OPS);
		return -1;
	}
	r->budget -= to - from + 1;
	return 0;
}

/*
 * Runs the body of section op i.  A body that is nothing but a static
 * partial (a list whose rows are a partial) goes straight to it: run()
 * would charge the same budget and do nothing else first.
 */
static int
body(struct render *r, const struct tpl *t, size_t i)
{
	const struct op	*o = &t->ops[i], *b = o + 1;

	if (o->end == i + 2 && b->type == OP_PARTIAL && b->target >= 0 &&
	    !(b->flags & F_INDENT)) {
		if (spend(r, t, i + 1, i + 2) == -1)
			return -1;
		return partial(r, t, b, &r->set->t[b->target]);
	}
	return run(r, t, i + 1, o->end);
}

static int
section(struct render *r, const struct tpl *t, size_t i)
{
	const struct op	*o = &t->ops[i];
	const json_t	*v;
	size_t		 k, n;
	int		 rc = 0;

	v = lookup(r, t, o);
	if (o->type == OP_INVERTED)
		return truthy(v) ? 0 : run(r, t, i + 1, o->end);
	if (!truthy(v))
		return 0;
	if (json_is_array(v)) {
		n = json_array_size(v);
		for (k = 0; k < n; k++) {
			if (push(r, json_array_get(v, k), t, o) == -1)
				return -1;
			rc = body(r, t, i);
			r->nctx--;
			if (rc == -1)
				return -1;
		}
		return 0;
	}
	if (push(r, v, t, o) == -1)
		return -1;
	rc = body(r, t, i);
	r->nctx--;
	return rc;
}

/* The template a partial or parent tag names, or NULL (renders empty). */
static const struct tpl *
target(const struct render *r, const struct tpl *t, const struct op *o)
{
	const json_t	*v;
	ssize_t		 k;

	if (o->target >= 0)
		return &r->set->t[o->target];
	if (o->flags & F_DYNAMIC) {
		v = lookup(r, t, o);
		if (!json_is_string(v))
			return NULL;
		k = find(r->set, json_string_value(v), json_string_length(v));
	} else
		k = find(r->set, t->src + o->off, o->len);
	return k < 0 ? NULL : &r->set->t[k];
}

/*
 * Renders tpl p as a partial of t's op o: standalone partials indent every
 * line of p by the tag's own indentation on top of the current one.
 */
static int
partial(struct render *r, const struct tpl *t, const struct op *o,
    const struct tpl *p)
{
	size_t	 save_len = r->indent.len, save_from = r->ind_from;
	int	 rc;

	if (r->depth >= MUSTACHE_MAX_DEPTH) {
		seterr(r->err, t->file, o->line, o->col,
		    "partials nested "
		    "deeper than %d (recursive partial \"%.*s\"?)",
		    MUSTACHE_MAX_DEPTH, (int)o->len, t->src + o->off);
		return -1;
	}
	if (o->flags & F_STANDALONE) {
		if (o->ind_len > 0)
			buf_append(&r->indent, t->src + o->ind_off,
			    o->ind_len);
	} else
		r->ind_from = r->indent.len;
	r->depth++;
	rc = run(r, p, 0, p->nops);
	r->depth--;
	r->indent.len = save_len;
	r->ind_from = save_from;
	return rc;
}

static int
parent(struct render *r, const struct tpl *t, size_t i)
{
	const struct op	 *o = &t->ops[i];
	const struct tpl *p;
	int		  rc;

	if ((p = target(r, t, o)) == NULL)
		return 0;
	if (r->nov == MAX_OVERRIDES) {
		seterr(r->err, t->file, o->line, o->col,
		    "parents nested "
		    "deeper than %d",
		    MAX_OVERRIDES);
		return -1;
	}
	r->ov[r->nov].t = t;
	r->ov[r->nov].from = i + 1;
	r->ov[r->nov].to = o->end;
	r->nov++;
	rc = partial(r, t, o, p);
	r->nov--;
	return rc;
}

/* Leading blanks of the first line of op i's body, when it starts one. */
static size_t
body_indent(const struct tpl *t, size_t i, const char **at)
{
	const struct op	*o = &t->ops[i], *f;
	size_t		 n = 0;

	*at = NULL;
	if (o->end <= i + 1)
		return 0;
	f = &t->ops[i + 1];
	if (f->type != OP_TEXT || !(f->flags & F_BOL))
		return 0;
	*at = t->src + f->off;
	while (n < f->len && is_ws((*at)[n]))
		n++;
	return n;
}

/*
 * Renders block j of template bt in place of block o of t.  The override
 * is reindented: its own first-line indentation gives way to the block's
 * (the indentation of the block's default content, else of its tag).
 */
static int
override(struct render *r, const struct tpl *t, const struct op *o,
    const struct tpl *bt, size_t j)
{
	size_t		 save_len = r->indent.len, save_dedent = r->dedent;
	bool		 save_skip = r->skip_indent;
	const char	*ind, *own;
	size_t		 n;
	int		 rc;

	n = 0;
	ind = NULL;
	if (o->flags & F_STANDALONE)
		n = body_indent(t, (size_t)(o - t->ops), &ind);
	if (ind == NULL || n == 0) {
		ind = (o->flags & (F_STANDALONE | F_WSBEFORE)) ?
		    t->src + o->ind_off :
		    NULL;
		n = ind ? o->ind_len : 0;
	}
	if (n > r->dedent)	/* what the dedent does not already drop */
		buf_append(&r->indent, ind + r->dedent, n - r->dedent);
	if (!(o->flags & F_STANDALONE))
		r->skip_indent = true;
	r->dedent = body_indent(bt, j, &own);
	rc = run(r, bt, j + 1, bt->ops[j].end);
	r->indent.len = save_len;
	r->dedent = save_dedent;
	r->skip_indent = save_skip;
	return rc;
}

static bool
has_body(const struct op *o)
{
	return o->type == OP_SECTION || o->type == OP_INVERTED ||
	    o->type == OP_PARENT || o->type == OP_BLOCK;
}

/*
 * A block renders the outermost override of its name, else its own body.
 * Overrides are the blocks directly inside a parent tag's body.
 */
static int
block(struct render *r, const struct tpl *t, size_t i)
{
	const struct op	*o = &t->ops[i], *b;
	const struct override *ov;
	size_t		 k, j;

	for (k = 0; k < r->nov; k++) {
		ov = &r->ov[k];
		for (j = ov->from; j < ov->to;
		     j = has_body(b) ? b->end : j + 1) {
			b = &ov->t->ops[j];
			if (b->type == OP_BLOCK && b->len == o->len &&
			    memcmp(ov->t->src + b->off, t->src + o->off,
				o->len) == 0)
				return override(r, t, o, ov->t, j);
		}
	}
	return run(r, t, i + 1, o->end);
}

/* Runs op *ip, a tag with a body or a partial; *ip ends on its last op. */
static int
tag(struct render *r, const struct tpl *t, size_t *ip)
{
	const struct op	 *o = &t->ops[*ip];
	const struct tpl *p;

	switch (o->type) {
	case OP_SECTION:
	case OP_INVERTED:
		if (section(r, t, *ip) == -1)
			return -1;
		*ip = o->end - 1;
		break;
	case OP_PARTIAL:
		if ((p = target(r, t, o)) != NULL && partial(r, t, o, p) == -1)
			return -1;
		break;
	case OP_PARENT:
		if (parent(r, t, *ip) == -1)
			return -1;
		*ip = o->end - 1;
		break;
	case OP_BLOCK:
		if (block(r, t, *ip) == -1)
			return -1;
		*ip = o->end - 1;
		break;
	default:
		break;
	}
	return 0;
}

static int
run(struct render *r, const struct tpl *t, size_t from, size_t to)
{
	const struct op	 *o;
	size_t		  i;

	if (spend(r, t, from, to) == -1)
		return -1;
	/*
	 * Without indentation text is copied as is.  Tags restore the
	 * indentation state before they return, so this holds for the loop.
	 */
	if (r->indent.len == r->ind_from && r->dedent == 0) {
		for (i = from; i < to; i++) {
			o = &t->ops[i];
			if (o->type == OP_TEXT)
				out_text(r->out, t->src + o->off, o->len);
			else if (o->type == OP_VAR)
				put_value(r, lookup(r, t, o),
				    o->flags & F_ESCAPE);
			else if (tag(r, t, &i) == -1)
				return -1;
		}
		return 0;
	}
	for (i = from; i < to; i++) {
		o = &t->ops[i];
		if ((o->flags & F_INDENT) && r->indent.len > r->ind_from)
			put_indent(r);
		if (o->type == OP_TEXT)
			put_text(r, t->src + o->off, o->len, o->flags & F_BOL);
		else if (o->type == OP_VAR)
			put_value(r, lookup(r, t, o), o->flags & F_ESCAPE);
		else if (tag(r, t, &i) == -1)
			return -1;
	}
	return 0;
}

int
mustache_render(const struct mustache_set *set, const char *name,
    const json_t *data, struct buf *out, struct mustache_error *err)
{
	struct render	 r;
	ssize_t		 k;
	int		 rc;

	if ((k = find(set, name, strlen(name))) < 0) {
		seterr(err, NULL, 0, 0, "unknown template \"%s\"", name);
		return -1;
	}
	/* Not memset: the stacks are large and filled as they grow. */
	r.nctx = r.nov = 0;
	r.ind_from = r.dedent = 0;
	r.skip_indent = false;
	r.depth = 0;
	r.set = set;
	r.out = out;
	r.err = err;
	buf_init(&r.indent);
	r.ctx[r.nctx++] = data;
	r.budget = MUSTACHE_MAX_OPS;
	rc = run(&r, &set->t[k], 0, set->t[k].nops);
	buf_free(&r.indent);
	/* Appends above keep room for the NUL but do not write it. */
	if (out->data != NULL)
		out->data[out->len] = '\0';
	return rc;
}
