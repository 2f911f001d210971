/* facteur — HTML parts: one linear pass of the WHATWG HTML tokenizer's states that
 * matter for mail (§13.2.5: data, tags and attributes, comments, raw-text elements,
 * character references) for the visible text, the images and the links (<a href>,
 * <area href>, <form action>) with the text a reader sees for each. No tree is built:
 * gumbo, which builds one, took 2-3 ms for a 20 KB newsletter, the whole budget of a
 * check, and time quadratic in the nesting depth of hostile input. */
#include "mime-private.h"

#include <string.h>

typedef struct
{
  const char *name;
  const char *utf8;
  guint8 len; /* of name */
} Entity;

#define E(name, utf8)                                                                      \
  {                                                                                        \
    name, utf8, sizeof (name) - 1                                                          \
  }

/* Named character references (WHATWG HTML §13.5) that mail uses: markup escapes,
 * spaces, French and common Latin-1 letters, typography, and the invisible ones that
 * phishing puts inside names. Others are left as written. */
static const Entity entities[] = {
  E ("amp", "&"),
  E ("lt", "<"),
  E ("gt", ">"),
  { "quot", "\"" },
  E ("apos", "'"),
  E ("nbsp", "\xc2\xa0"),
  E ("copy", "\xc2\xa9"),
  E ("reg", "\xc2\xae"),
  E ("trade", "\xe2\x84\xa2"),
  E ("euro", "\xe2\x82\xac"),
  E ("laquo", "\xc2\xab"),
  E ("raquo", "\xc2\xbb"),
  E ("eacute", "\xc3\xa9"),
  E ("egrave", "\xc3\xa8"),
  E ("ecirc", "\xc3\xaa"),
  E ("euml", "\xc3\xab"),
  E ("agrave", "\xc3\xa0"),
  E ("acirc", "\xc3\xa2"),
  E ("auml", "\xc3\xa4"),
  E ("ccedil", "\xc3\xa7"),
  E ("icirc", "\xc3\xae"),
  E ("iuml", "\xc3\xaf"),
  E ("ocirc", "\xc3\xb4"),
  E ("ouml", "\xc3\xb6"),
  E ("ugrave", "\xc3\xb9"),
  E ("ucirc", "\xc3\xbb"),
  E ("uuml", "\xc3\xbc"),
  E ("Eacute", "\xc3\x89"),
  E ("Egrave", "\xc3\x88"),
  E ("Agrave", "\xc3\x80"),
  E ("Ccedil", "\xc3\x87"),
  E ("szlig", "\xc3\x9f"),
  E ("oelig", "\xc5\x93"),
  E ("hellip", "\xe2\x80\xa6"),
  E ("ndash", "\xe2\x80\x93"),
  E ("mdash", "\xe2\x80\x94"),
  E ("lsquo", "\xe2\x80\x98"),
  E ("rsquo", "\xe2\x80\x99"),
  E ("ldquo", "\xe2\x80\x9c"),
  E ("rdquo", "\xe2\x80\x9d"),
  E ("bull", "\xe2\x80\xa2"),
  E ("middot", "\xc2\xb7"),
  E ("times", "\xc3\x97"),
  E ("deg", "\xc2\xb0"),
  E ("shy", ""),
  E ("zwnj", ""),
  E ("zwj", ""),
  E ("ensp", " "),
  E ("emsp", " "),
  E ("thinsp", " "),
  E ("period", "."),
  E ("commat", "@"),
  E ("sol", "/"),
  E ("colon", ":"),
};

/* Where the text goes. Runs of white space become one space (CSS white-space:
 * normal); block boundaries become a line break. */
typedef struct
{
  GString *out;
  gboolean space; /* the last byte written was white space (or nothing yet) */
} Text;

static void
text_byte (Text *t, char c)
{
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
    {
      if (!t->space)
        g_string_append_c (t->out, ' ');
      t->space = TRUE;
      return;
    }
  g_string_append_c (t->out, c);
  t->space = FALSE;
}

static void
text_break (Text *t, char c)
{
  GString *out = t->out;

  if (out->len == 0)
    return;
  if (out->str[out->len - 1] == ' ')
    out->str[out->len - 1] = c;
  else if (out->str[out->len - 1] != '\n')
    g_string_append_c (out, c);
  t->space = TRUE;
}

/* Decodes the character reference at p ('&'); appends its UTF-8 to out and returns the
 * first byte after it, or NULL when it is not one (the '&' is then literal). In an
 * attribute, a legacy reference without ';' followed by '=' or a letter stays as
 * written (§13.2.5.73), so "?a=1&copy=2" keeps its query. */
static const char *
char_ref (const char *p, const char *end, gboolean in_attribute, GString *out)
{
  const char *q = p + 1;

  if (q < end && *q == '#')
    {
      gunichar c = 0;
      gboolean hex = q + 1 < end && (q[1] == 'x' || q[1] == 'X');
      const char *digits = q + (hex ? 2 : 1), *d = digits;

      while (d < end && (hex ? g_ascii_isxdigit (*d) : g_ascii_isdigit (*d)))
        {
          if (c <= 0x10ffff)
            c = c * (hex ? 16 : 10)
                + (gunichar)(hex ? g_ascii_xdigit_value (*d) : *d - '0');
          d++;
        }
      if (d == digits)
        return NULL;
      if (d < end && *d == ';')
        d++;
      if (c == 0 || c > 0x10ffff || !g_unichar_validate (c))
        c = 0xfffd;
      g_string_append_unichar (out, c);
      return d;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      gsize n = entities[i].len;
      if ((gsize)(end - q) < n || q[0] != entities[i].name[0]
          || memcmp (q, entities[i].name, n) != 0)
        continue;
      if (q + n < end && q[n] == ';')
        {
          g_string_append (out, entities[i].utf8);
          return q + n + 1;
        }
      if (i >= 6 && !g_str_equal (entities[i].name, "copy")
          && !g_str_equal (entities[i].name, "reg"))
        continue; /* only the legacy names may omit the semicolon */
      if (in_attribute && q + n < end && (g_ascii_isalnum (q[n]) || q[n] == '='))
        return NULL;
      g_string_append (out, entities[i].utf8);
      return q + n;
    }
  return NULL;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static gboolean
name_is (const char *name, gsize len, const char *wanted)
{
  return strlen (wanted) == len && g_ascii_strncasecmp (name, wanted, len) == 0;
}

typedef enum
{
  TAG_OTHER,
  TAG_BLOCK, /* ends a line of text */
  TAG_CELL,  /* td, th: a space */
  TAG_RAW,   /* content is not markup (§13.2.5.2-5.3): skipped to the end tag; script,
                style and title are not shown, the rest holds no links */
  TAG_A,
  TAG_AREA,
  TAG_FORM,
  TAG_IMG,
  TAG_INPUT,
} TagKind;

typedef struct
{
  const char *name;
  guint8 len;
  guint8 kind;
} Tag;

#define T(name, kind)                                                                      \
  {                                                                                        \
    name, sizeof (name) - 1, kind                                                          \
  }

static const Tag tags[] = {
  T ("a", TAG_A),           T ("p", TAG_BLOCK),       T ("br", TAG_BLOCK),
  T ("td", TAG_CELL),       T ("tr", TAG_BLOCK),      T ("th", TAG_CELL),
  T ("div", TAG_BLOCK),     T ("img", TAG_IMG),       T ("li", TAG_BLOCK),
  T ("table", TAG_BLOCK),   T ("h1", TAG_BLOCK),      T ("h2", TAG_BLOCK),
  T ("h3", TAG_BLOCK),      T ("h4", TAG_BLOCK),      T ("h5", TAG_BLOCK),
  T ("h6", TAG_BLOCK),      T ("hr", TAG_BLOCK),      T ("ul", TAG_BLOCK),
  T ("ol", TAG_BLOCK),      T ("dd", TAG_BLOCK),      T ("dt", TAG_BLOCK),
  T ("pre", TAG_BLOCK),     T ("body", TAG_BLOCK),    T ("center", TAG_BLOCK),
  T ("section", TAG_BLOCK), T ("article", TAG_BLOCK), T ("header", TAG_BLOCK),
  T ("footer", TAG_BLOCK),  T ("address", TAG_BLOCK), T ("blockquote", TAG_BLOCK),
  T ("area", TAG_AREA),     T ("form", TAG_FORM),     T ("input", TAG_INPUT),
  T ("script", TAG_RAW),    T ("style", TAG_RAW),     T ("title", TAG_RAW),
  T ("textarea", TAG_RAW),  T ("xmp", TAG_RAW),       T ("iframe", TAG_RAW),
  T ("noembed", TAG_RAW),   T ("noframes", TAG_RAW),
};

static TagKind
tag_kind (const char *name, gsize len)
{
  char lower[12];

  if (len >= sizeof lower)
    return TAG_OTHER;
  for (gsize i = 0; i < len; i++)
    lower[i] = g_ascii_tolower (name[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (tags); i++)
    if (tags[i].len == len && tags[i].name[0] == lower[0]
        && memcmp (tags[i].name, lower, len) == 0)
      return (TagKind)tags[i].kind;
  return TAG_OTHER;
}

/* The attributes of one start tag that the checks read. */
typedef struct
{
  GString *href, *action, *alt, *type;
  gboolean href_present; /* href="" links to the document itself: still a link */
  gboolean background;
} Attrs;

static const char *
find_end_tag (const char *p, const char *end, const char *name, gsize len)
{
  while (p < end && (p = memchr (p, '<', (gsize)(end - p))) != NULL)
    {
      if (end - p > (gssize)(len + 1) && p[1] == '/'
          && g_ascii_strncasecmp (p + 2, name, len) == 0
          && (p + 2 + len == end || is_space (p[2 + len]) || p[2 + len] == '>'
              || p[2 + len] == '/'))
        return p;
      p++;
    }
  return end;
}

/* Reads the attributes after a tag name up to '>' (§13.2.5.32-5.40). Returns the byte
 * after the tag. Values of the attributes asked for are decoded into attrs. */
static const char *
read_attributes (const char *p, const char *end, Attrs *attrs)
{
  while (p < end)
    {
      const char *name;
      gsize name_len;
      GString *target = NULL;

      while (p < end && (is_space (*p) || *p == '/'))
        p++;
      if (p >= end)
        return end;
      if (*p == '>')
        return p + 1;
      name = p;
      p++; /* the first byte belongs to the name even if it is '=' */
      while (p < end && !is_space (*p) && *p != '/' && *p != '>' && *p != '=')
        p++;
      name_len = (gsize)(p - name);
      if (name_is (name, name_len, "href"))
        {
          target = attrs->href;
          attrs->href_present = TRUE;
        }
      else if (name_is (name, name_len, "action"))
        target = attrs->action;
      else if (name_is (name, name_len, "alt"))
        target = attrs->alt;
      else if (name_is (name, name_len, "type"))
        target = attrs->type;
      else if (name_is (name, name_len, "background"))
        attrs->background = TRUE;
      /* The first of two same-name attributes wins (§13.2.5.33). */
      if (target != NULL && target->len > 0)
        target = NULL;
      while (p < end && is_space (*p))
        p++;
      if (p >= end || *p != '=')
        continue;
      p++;
      while (p < end && is_space (*p))
        p++;
      if (p < end && (*p == '"' || *p == '\''))
        {
          char quote = *p++;
          const char *close = memchr (p, quote, (gsize)(end - p));
          const char *stop = close != NULL ? close : end;
          if (target != NULL)
            while (p < stop)
              {
                const char *next;
                if (*p == '&' && (next = char_ref (p, stop, TRUE, target)) != NULL)
                  p = next;
                else
                  g_string_append_c (target, *p++);
              }
          p = close != NULL ? close + 1 : end;
        }
      else
        {
          while (p < end && !is_space (*p) && *p != '>')
            {
              const char *next;
              if (target != NULL && *p == '&'
                  && (next = char_ref (p, end, TRUE, target)) != NULL)
                p = next;
              else
                {
                  if (target != NULL)
                    g_string_append_c (target, *p);
                  p++;
                }
            }
        }
    }
  return end;
}

static void
add_link (FctMime *mime, FctMimeLinkSource source, const GString *href, const char *text,
          gsize text_len, guint part)
{
  const char *h = href->str;
  const char *e = href->str + href->len;

  /* Leading and trailing C0 controls and spaces are stripped from a URL (WHATWG URL,
     basic URL parser, first step). */
  while (h < e && (guchar)*h <= 0x20)
    h++;
  while (e > h && (guchar)e[-1] <= 0x20)
    e--;
  while (text_len > 0 && (text[0] == ' ' || text[0] == '\n'))
    {
      text++;
      text_len--;
    }
  while (text_len > 0 && (text[text_len - 1] == ' ' || text[text_len - 1] == '\n'))
    text_len--;
  fct_mime_link_add (mime, source, h, (gsize)(e - h), text, text_len, part);
}

typedef struct
{
  FctMime *mime;
  FctMimeEntry *entry;
  guint index;
  Text text;
  GString *anchor_href; /* the open <a>'s target, or NULL */
  gsize anchor_start;   /* where its text starts in the output */
} Walk;

static void
close_anchor (Walk *w)
{
  if (w->anchor_href == NULL)
    return;
  add_link (w->mime, FCT_MIME_LINK_HTML_ANCHOR, w->anchor_href,
            w->text.out->str + w->anchor_start, w->text.out->len - w->anchor_start,
            w->index);
  g_string_free (w->anchor_href, TRUE);
  w->anchor_href = NULL;
}

static void
start_tag (Walk *w, TagKind kind, Attrs *attrs)
{
  if (attrs->background)
    w->entry->images++;
  switch (kind)
    {
    case TAG_BLOCK:
      text_break (&w->text, '\n');
      break;
    case TAG_CELL:
      text_break (&w->text, ' ');
      break;
    case TAG_IMG:
      w->entry->images++;
      break;
    case TAG_INPUT:
      if (g_ascii_strcasecmp (attrs->type->str, "image") == 0)
        w->entry->images++;
      break;
    case TAG_A:
      /* An <a> inside an open <a> closes it first (the adoption agency, §13.2.6.4.7). */
      close_anchor (w);
      if (attrs->href_present)
        {
          w->anchor_href = g_string_new_len (attrs->href->str, (gssize)attrs->href->len);
          w->anchor_start = w->text.out->len;
        }
      break;
    case TAG_AREA:
      if (attrs->href->len > 0)
        add_link (w->mime, FCT_MIME_LINK_HTML_ANCHOR, attrs->href, attrs->alt->str,
                  attrs->alt->len, w->index);
      break;
    case TAG_FORM:
      if (attrs->action->len > 0)
        add_link (w->mime, FCT_MIME_LINK_HTML_FORM, attrs->action, "", 0, w->index);
      break;
    case TAG_RAW:
    case TAG_OTHER:
      break;
    }
}

void
fct_mime_html_parse (FctMime *mime, guint index)
{
  FctMimeEntry *entry = g_ptr_array_index (mime->entries, index);
  const char *p = entry->text, *end = entry->text + entry->text_len;
  Walk w = { mime, entry, index, { g_string_sized_new (entry->text_len + 16), TRUE },
             NULL, 0 };
  Attrs attrs = { g_string_new (NULL),
                  g_string_new (NULL),
                  g_string_new (NULL),
                  g_string_new (NULL),
                  FALSE,
                  FALSE };

  while (p < end)
    {
      const char *name, *next;
      gsize name_len;
      gboolean closing;
      TagKind kind;

      if (*p != '<')
        {
          if (*p == '&' && (next = char_ref (p, end, FALSE, w.text.out)) != NULL)
            {
              w.text.space = FALSE;
              p = next;
            }
          else
            text_byte (&w.text, *p++);
          continue;
        }
      /* Comments, doctype and processing instructions (§13.2.5.42-5.45). */
      if (end - p >= 4 && memcmp (p, "<!--", 4) == 0)
        {
          const char *close = g_strstr_len (p + 4, end - (p + 4), "-->");
          p = close != NULL ? close + 3 : end;
          continue;
        }
      if (end - p >= 2 && (p[1] == '!' || p[1] == '?'))
        {
          const char *close = memchr (p, '>', (gsize)(end - p));
          p = close != NULL ? close + 1 : end;
          continue;
        }
      closing = end - p >= 2 && p[1] == '/';
      name = p + (closing ? 2 : 1);
      if (name >= end || !g_ascii_isalpha (*name))
        {
          text_byte (&w.text, *p++); /* a '<' that starts no tag is text */
          continue;
        }
      name_len = 0;
      while (name + name_len < end && !is_space (name[name_len]) && name[name_len] != '/'
             && name[name_len] != '>')
        name_len++;
      if (closing)
        {
          const char *close = memchr (name, '>', (gsize)(end - name));
          p = close != NULL ? close + 1 : end;
          kind = tag_kind (name, name_len);
          if (kind == TAG_A)
            close_anchor (&w);
          else if (kind == TAG_BLOCK)
            text_break (&w.text, '\n');
          continue;
        }
      g_string_truncate (attrs.href, 0);
      g_string_truncate (attrs.action, 0);
      g_string_truncate (attrs.alt, 0);
      g_string_truncate (attrs.type, 0);
      attrs.background = FALSE;
      attrs.href_present = FALSE;
      p = read_attributes (name + name_len, end, &attrs);
      kind = tag_kind (name, name_len);
      start_tag (&w, kind, &attrs);
      if (kind == TAG_RAW)
        {
          p = find_end_tag (p, end, name, name_len);
        }
    }
  close_anchor (&w);

  g_string_free (attrs.href, TRUE);
  g_string_free (attrs.action, TRUE);
  g_string_free (attrs.alt, TRUE);
  g_string_free (attrs.type, TRUE);
  g_free (entry->text);
  entry->text_len = w.text.out->len;
  entry->text = g_string_free (w.text.out, FALSE);
}
