/* facteur — HTML parts: one linear pass of the WHATWG HTML tokenizer's states that
 * matter for mail (§13.2.5: data, tags and attributes, comments, raw-text elements,
 * character references) for the visible text, the images and the links (<a href>,
 * <area href>, <form action>) with the text a reader sees for each. No tree is built:
 * gumbo, which builds one, took 2-3 ms for a 20 KB newsletter, the whole budget of a
 * check, and time quadratic in the nesting depth of hostile input. */
#include "entities.h"
#include "mime-private.h"

#include <string.h>

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

/* Bytes of the data state: 1 for those that end a run of plain text ('<', '&'), 2 for
 * the white space text_byte folds. */
static const guint8 text_class[256] = {
  ['<'] = 1, ['&'] = 1, [' '] = 2, ['\t'] = 2, ['\n'] = 2, ['\r'] = 2, ['\f'] = 2,
};

/* Writes the text from p up to the next '<' or '&' (or end), as text_byte would byte by
 * byte, and returns where it stopped. Runs of other bytes with single spaces between
 * them, which text_byte writes as they are, are copied at once. */
static const char *
text_run (Text *t, const char *p, const char *end)
{
  while (p < end)
    {
      const char *q = p;

      while (q < end
             && (text_class[(guchar)*q] == 0
                 || (*q == ' ' && q > p && q + 1 < end && text_class[(guchar)q[1]] == 0)))
        q++;
      if (q > p)
        {
          g_string_append_len (t->out, p, q - p);
          t->space = FALSE;
          p = q;
        }
      if (p >= end || text_class[(guchar)*p] == 1)
        break;
      while (p < end && text_class[(guchar)*p] == 2)
        p++;
      if (!t->space)
        g_string_append_c (t->out, ' ');
      t->space = TRUE;
    }
  return p;
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

/* The longest name of the WHATWG table that starts at q (§13.2.5.73: "the maximum
 * number of characters possible"), or NULL. Names are letters and digits, then an
 * optional ';': at most fct_html_entity_longest binary searches, whatever the input. */
static const FctHtmlEntity *
entity_lookup (const char *q, const char *end)
{
  gsize run = 0;

  while (q + run < end && run < fct_html_entity_longest && g_ascii_isalnum (q[run]))
    run++;
  if (q + run < end && run < fct_html_entity_longest && q[run] == ';')
    run++;
  for (gsize n = run; n >= 2; n--)
    {
      gsize lo = 0, hi = fct_html_entity_count;

      while (lo < hi)
        {
          gsize mid = lo + (hi - lo) / 2;
          const FctHtmlEntity *e = &fct_html_entities[mid];
          gsize common = MIN (n, (gsize)e->name_len);
          int cmp = memcmp (q, e->name, common);

          if (cmp == 0)
            cmp = n < e->name_len ? -1 : n > e->name_len ? 1 : 0;
          if (cmp == 0)
            return e;
          if (cmp < 0)
            hi = mid;
          else
            lo = mid + 1;
        }
    }
  return NULL;
}

/* Decodes the character reference at p ('&'); appends its UTF-8 to out and returns the
 * first byte after it, or NULL when it is not one (the '&' is then literal). In an
 * attribute, a legacy reference without ';' followed by '=' or a letter stays as
 * written (§13.2.5.73), so "?a=1&copy=2" keeps its query. */
static const char *
char_ref (const char *p, const char *end, gboolean in_attribute, GString *out)
{
  const char *q = p + 1;
  const FctHtmlEntity *entity;

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
      /* §13.2.5.80: NUL, surrogates and values past Unicode become U+FFFD; C1 values
         are read as windows-1252, as the legacy pages that wrote them meant. */
      if (c >= 0x80 && c <= 0x9f)
        c = fct_html_c1_replacements[c - 0x80];
      else if (c == 0 || c > 0x10ffff || !g_unichar_validate (c))
        c = 0xfffd;
      g_string_append_unichar (out, c);
      return d;
    }
  entity = entity_lookup (q, end);
  if (entity == NULL)
    return NULL;
  if (entity->name[entity->name_len - 1] != ';' && in_attribute
      && q + entity->name_len < end
      && (g_ascii_isalnum (q[entity->name_len]) || q[entity->name_len] == '='))
    return NULL;
  g_string_append_len (out, entity->utf8, entity->utf8_len);
  return q + entity->name_len;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* wanted is in lower case and starts with a letter, which only that letter in either
 * case gives once 0x20 is set: the first byte rules out most names at no call. */
static inline gboolean
name_is (const char *name, gsize len, const char *wanted)
{
  return len > 0 && (name[0] | 0x20) == wanted[0] && strlen (wanted) == len
         && g_ascii_strncasecmp (name, wanted, len) == 0;
}

typedef enum
{
  TAG_OTHER,
  TAG_BLOCK, /* ends a line of text */
  TAG_CELL,  /* td, th: a space */
  TAG_RAW,   /* content is not markup (§13.2.5.2-5.3): skipped to the end tag; script,
                style and title are not shown, the rest holds no links */
  TAG_VOID,  /* no content and no end tag (§13.1.2): never open */
  TAG_A,
  TAG_AREA,
  TAG_FORM,
  TAG_IMG,
  TAG_INPUT,
  TAG_BASE,
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
  T ("noembed", TAG_RAW),   T ("noframes", TAG_RAW),  T ("base", TAG_BASE),
  T ("meta", TAG_VOID),     T ("link", TAG_VOID),     T ("col", TAG_VOID),
  T ("embed", TAG_VOID),    T ("param", TAG_VOID),    T ("source", TAG_VOID),
  T ("track", TAG_VOID),    T ("wbr", TAG_VOID),
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

static gboolean
is_void (TagKind kind, const char *name, gsize len)
{
  return kind == TAG_VOID || kind == TAG_IMG || kind == TAG_INPUT || kind == TAG_AREA
         || kind == TAG_BASE || name_is (name, len, "br") || name_is (name, len, "hr");
}

/* The attributes of one start tag that the checks read. */
typedef struct
{
  GString *href, *action, *alt, *type, *style, *bgcolor, *color, *name;
  gboolean href_present; /* href="" links to the document itself: still a link */
  gboolean background;
  gboolean hidden; /* the hidden attribute (§6.1) */
} Attrs;

/* g_string_truncate (s, 0), without a call per attribute of every tag. */
static void
empty (GString *s)
{
  s->len = 0;
  s->str[0] = '\0';
}

static void
attrs_reset (Attrs *attrs)
{
  empty (attrs->href);
  empty (attrs->action);
  empty (attrs->alt);
  empty (attrs->type);
  empty (attrs->style);
  empty (attrs->bgcolor);
  empty (attrs->color);
  empty (attrs->name);
  attrs->href_present = FALSE;
  attrs->background = FALSE;
  attrs->hidden = FALSE;
}

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
      else if (name_is (name, name_len, "style"))
        target = attrs->style;
      else if (name_is (name, name_len, "bgcolor"))
        target = attrs->bgcolor;
      else if (name_is (name, name_len, "color"))
        target = attrs->color;
      else if (name_is (name, name_len, "name"))
        target = attrs->name;
      else if (name_is (name, name_len, "background"))
        attrs->background = TRUE;
      else if (name_is (name, name_len, "hidden"))
        attrs->hidden = TRUE;
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

/* CSS colours that read as white: "white", #fff, #ffffff and rgb() with every
 * component at 240 or more (what a reader cannot tell from a white page). */
static gboolean
color_is_white (const char *v, gsize len)
{
  if (len >= 5 && memcmp (v, "white", 5) == 0)
    return TRUE;
  if (len >= 4 && v[0] == '#')
    {
      gsize n = 1;
      while (n < len && g_ascii_isxdigit (v[n]))
        n++;
      if (n == 4)
        return v[1] == 'f' && v[2] == 'f' && v[3] == 'f';
      /* #rrggbb: the high digit of each component f (at least 240). */
      return n == 7 && v[1] == 'f' && v[3] == 'f' && v[5] == 'f';
    }
  if (len > 4 && memcmp (v, "rgb(", 4) == 0)
    {
      const char *p = v + 4, *end = v + len;
      for (int i = 0; i < 3; i++)
        {
          guint c = 0;
          if (p >= end || !g_ascii_isdigit (*p))
            return FALSE;
          while (p < end && g_ascii_isdigit (*p) && c < 1000)
            c = c * 10 + (guint)(*p++ - '0');
          if (c < 240)
            return FALSE;
          if (i < 2 && (p >= end || *p++ != ','))
            return FALSE;
        }
      return TRUE;
    }
  return FALSE;
}

/* A CSS length or number that is zero or below one pixel. */
static gboolean
length_is_tiny (const char *v, gsize len)
{
  char buf[32];
  char *unit = NULL;
  double n;

  if (len == 0 || len >= sizeof buf)
    return FALSE;
  memcpy (buf, v, len);
  buf[len] = '\0';
  n = g_ascii_strtod (buf, &unit);
  if (unit == buf)
    return FALSE;
  if (n <= 0.0)
    return TRUE;
  return n < 1.0 && (g_str_has_prefix (unit, "px") || g_str_has_prefix (unit, "pt"));
}

/* What a start tag's presentation says about the text inside it. */
typedef struct
{
  gboolean hides;        /* display:none, visibility:hidden, font-size:0, opacity:0,
                            a zero height with overflow:hidden, the hidden attribute */
  gboolean white;        /* sets a white text colour */
  gboolean other_colour; /* sets a text colour that is not white */
  gboolean background;   /* sets a background that is not white */
} Presentation;

/* Reads the declarations of a style attribute (CSS Syntax §5: "name: value;"), lower
 * case, spaces removed; only the properties that hide text matter. Linear in len. */
static void
read_style (const GString *style, Presentation *out)
{
  char small[256];
  g_autofree char *big = style->len >= sizeof small ? g_malloc (style->len + 1) : NULL;
  char *flat = big != NULL ? big : small;
  gsize n = 0;
  gboolean zero_height = FALSE, overflow_hidden = FALSE;
  const char *p, *end;

  for (gsize i = 0; i < style->len; i++)
    if (!g_ascii_isspace (style->str[i]))
      flat[n++] = g_ascii_tolower (style->str[i]);
  flat[n] = '\0';
  for (p = flat, end = flat + n; p < end;)
    {
      const char *semi = memchr (p, ';', (gsize)(end - p));
      const char *decl_end = semi != NULL ? semi : end;
      const char *colon = memchr (p, ':', (gsize)(decl_end - p));
      gsize name_len, value_len;
      const char *value;

      if (colon != NULL)
        {
          name_len = (gsize)(colon - p);
          value = colon + 1;
          value_len = (gsize)(decl_end - value);
          if (name_is (p, name_len, "display") && value_len >= 4
              && memcmp (value, "none", 4) == 0)
            out->hides = TRUE;
          else if (name_is (p, name_len, "visibility") && value_len >= 6
                   && (memcmp (value, "hidden", 6) == 0
                       || (value_len >= 8 && memcmp (value, "collapse", 8) == 0)))
            out->hides = TRUE;
          else if ((name_is (p, name_len, "font-size") || name_is (p, name_len, "opacity"))
                   && length_is_tiny (value, value_len))
            out->hides = TRUE;
          else if ((name_is (p, name_len, "max-height") || name_is (p, name_len, "height"))
                   && length_is_tiny (value, value_len))
            zero_height = TRUE;
          else if (name_is (p, name_len, "overflow") && value_len >= 6
                   && memcmp (value, "hidden", 6) == 0)
            overflow_hidden = TRUE;
          else if (name_is (p, name_len, "color"))
            {
              if (color_is_white (value, value_len))
                out->white = TRUE;
              else
                out->other_colour = TRUE;
            }
          else if ((name_is (p, name_len, "background")
                    || name_is (p, name_len, "background-color")
                    || name_is (p, name_len, "background-image"))
                   && !color_is_white (value, value_len)
                   && !(value_len >= 11 && memcmp (value, "transparent", 11) == 0)
                   && !(value_len >= 4 && memcmp (value, "none", 4) == 0))
            out->background = TRUE;
        }
      p = decl_end + 1;
    }
  if (zero_height && overflow_hidden)
    out->hides = TRUE;
}

/* Open elements, as far as hiding is concerned: enough of the tree (§13.2.4.3) to know
 * where a hidden element ends, without building it. Deeper nesting than the stack
 * holds is not tracked; every operation is bounded by its size, so the pass stays
 * linear. */
#define OPEN_MAX 64

/* Elements at which the search for an open element to close stops (§13.2.4.2). */
enum
{
  SCOPE_BUTTON = 1 << 0, /* where an implied </p> stops looking */
  SCOPE_LIST = 1 << 1,   /* where an implied </li> stops */
  SCOPE_TABLE = 1 << 2,  /* where an implied </td> stops */
};

typedef struct
{
  char name[12];
  guint8 len;
  guint8 scope; /* SCOPE_* of this element */
  /* What this element and those around it make of its text: hidden, coloured white
     (by the innermost colour set), on a background that is not white. Kept per
     element so that closing one needs no walk. */
  gboolean hides, white, background;
} Open;

typedef struct
{
  FctMime *mime;
  FctMimeEntry *entry;
  guint index;
  Text text;
  GString *anchor_href; /* the open <a>'s target, or NULL */
  gsize anchor_start;   /* where its text starts in the output */
  GString *anchor_alt;  /* the alt text of its shown images */
  GString *base;        /* the first <base href> (§4.2.3), or NULL */
  guint form_link;      /* index + 1 of the open form's link, or 0 */
  Open open[OPEN_MAX];
  guint n_open;
  gboolean hidden; /* the text here is not shown (CSS or white on white) */
  /* A <style> element sets backgrounds: white text may sit on a coloured class, so it
     is not taken for hidden. */
  gboolean css_backgrounds;
} Walk;

static void
update_hidden (Walk *w)
{
  const Open *top = w->n_open > 0 ? &w->open[w->n_open - 1] : NULL;

  /* White text on the white page that mail clients show by default. */
  w->hidden = top != NULL
              && (top->hides || (top->white && !top->background && !w->css_backgrounds));
}

/* Closes the innermost open element of that name and those inside it; an end tag with
 * no such open element is ignored (§13.2.6.4.7, "any other end tag"). The search stops
 * at an element named in scope (NULL-terminated, or NULL), as the implied end tags of
 * §13.2.4.2 "has an element in scope" do. */
static void
pop_to_scoped (Walk *w, const char *name, gsize len, guint scope)
{
  for (guint i = w->n_open; i > 0; i--)
    {
      const Open *o = &w->open[i - 1];
      if (o->len == len && (o->name[0] | 0x20) == (name[0] | 0x20)
          && g_ascii_strncasecmp (o->name, name, len) == 0)
        {
          w->n_open = i - 1;
          update_hidden (w);
          return;
        }
      if ((o->scope & scope) != 0)
        return;
    }
}

static void
pop_to (Walk *w, const char *name, gsize len)
{
  pop_to_scoped (w, name, len, 0);
}

static guint8
scope_of (const char *name, gsize len)
{
  if (name_is (name, len, "table"))
    return SCOPE_BUTTON | SCOPE_LIST | SCOPE_TABLE;
  if (name_is (name, len, "td") || name_is (name, len, "th"))
    return SCOPE_BUTTON | SCOPE_LIST;
  if (name_is (name, len, "ul") || name_is (name, len, "ol"))
    return SCOPE_LIST;
  if (name_is (name, len, "tr"))
    return SCOPE_TABLE;
  if (name_is (name, len, "button") || name_is (name, len, "caption")
      || name_is (name, len, "object"))
    return SCOPE_BUTTON;
  if (name_is (name, len, "html"))
    return SCOPE_BUTTON | SCOPE_TABLE;
  return 0;
}

static void
push_open (Walk *w, const char *name, gsize len, TagKind kind, const Attrs *attrs)
{
  Open *o;

  /* The implied end tags that matter for text: a block closes an open <p>, an <li> an
     open <li>, a cell an open cell (§13.2.6.4.7, "in body" and "in row"). */
  Presentation look = { 0 };
  const Open *parent;

  if (kind == TAG_BLOCK || kind == TAG_CELL)
    pop_to_scoped (w, "p", 1, SCOPE_BUTTON);
  if (name_is (name, len, "li"))
    pop_to_scoped (w, "li", 2, SCOPE_LIST);
  if (kind == TAG_CELL)
    {
      pop_to_scoped (w, "td", 2, SCOPE_TABLE);
      pop_to_scoped (w, "th", 2, SCOPE_TABLE);
    }
  if (len >= sizeof o->name || w->n_open >= OPEN_MAX)
    return;
  parent = w->n_open > 0 ? &w->open[w->n_open - 1] : NULL;
  look.hides = attrs->hidden;
  if (attrs->style->len > 0)
    read_style (attrs->style, &look);
  if (attrs->color->len > 0 && !look.white && !look.other_colour)
    {
      g_autofree char *c = g_ascii_strdown (attrs->color->str, (gssize)attrs->color->len);
      if (color_is_white (c, strlen (c)))
        look.white = TRUE;
      else
        look.other_colour = TRUE;
    }
  if (attrs->bgcolor->len > 0 || attrs->background)
    {
      g_autofree char *c
          = g_ascii_strdown (attrs->bgcolor->str, (gssize)attrs->bgcolor->len);
      if (attrs->background || !color_is_white (c, strlen (c)))
        look.background = TRUE;
    }
  o = &w->open[w->n_open++];
  memcpy (o->name, name, len);
  o->len = (guint8)len;
  o->scope = scope_of (name, len);
  o->hides = look.hides || (parent != NULL && parent->hides);
  o->white = look.white || (!look.other_colour && parent != NULL && parent->white);
  o->background = look.background || (parent != NULL && parent->background);
  update_hidden (w);
}

/* TRUE if a style sheet's text sets a background (CSS Backgrounds §3.10). */
static gboolean
mentions_background (const char *p, const char *end)
{
  static const char word[] = "background";
  const gsize n = sizeof word - 1;

  for (; end - p >= (gssize)n; p++)
    if ((*p == 'b' || *p == 'B') && g_ascii_strncasecmp (p, word, n) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
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
  return fct_mime_link_add (mime, source, h, (gsize)(e - h), text, text_len, part);
}

static void
close_anchor (Walk *w)
{
  if (w->anchor_href == NULL)
    return;
  if (add_link (w->mime, FCT_MIME_LINK_HTML_ANCHOR, w->anchor_href,
                w->text.out->str + w->anchor_start, w->text.out->len - w->anchor_start,
                w->index)
      && w->anchor_alt->len > 0)
    {
      FctMimeLink *link
          = &g_array_index (w->mime->links, FctMimeLink, w->mime->links->len - 1);
      if (link->text[0] == '\0')
        link->image_alt
            = g_string_chunk_insert (w->mime->strings, g_strstrip (w->anchor_alt->str));
    }
  g_string_truncate (w->anchor_alt, 0);
  g_string_free (w->anchor_href, TRUE);
  w->anchor_href = NULL;
}

/* An input for a secret: type=password, or a name that asks for a card number, its
 * security code or a PIN ("cc_number", "cardnumber", "cvv", "pin"). */
static gboolean
input_is_secret (const Attrs *attrs)
{
  static const char *const names[] = { "card", "cvv", "cvc", "ccnum", "cc_num", "cc-num" };
  g_autofree char *name = NULL;

  if (g_ascii_strcasecmp (attrs->type->str, "password") == 0)
    return TRUE;
  name = g_ascii_strdown (attrs->name->str, (gssize)attrs->name->len);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (strstr (name, names[i]) != NULL)
      return TRUE;
  return g_str_equal (name, "pin");
}

static void
start_tag (Walk *w, TagKind kind, Attrs *attrs)
{
  if (attrs->background)
    w->entry->images++;
  switch (kind)
    {
    case TAG_BLOCK:
      if (!w->hidden)
        text_break (&w->text, '\n');
      break;
    case TAG_CELL:
      if (!w->hidden)
        text_break (&w->text, ' ');
      break;
    case TAG_IMG:
      w->entry->images++;
      /* What an image button says, when the reader sees it (bounded: one line). */
      if (w->anchor_href != NULL && !w->hidden && w->anchor_alt->len < 256)
        {
          g_string_append_len (w->anchor_alt, attrs->alt->str,
                               (gssize)MIN (attrs->alt->len, 256));
          g_string_append_c (w->anchor_alt, ' ');
        }
      break;
    case TAG_INPUT:
      if (g_ascii_strcasecmp (attrs->type->str, "image") == 0)
        w->entry->images++;
      if (w->form_link != 0 && w->form_link <= w->mime->links->len
          && input_is_secret (attrs))
        g_array_index (w->mime->links, FctMimeLink, w->form_link - 1).asks_secret = TRUE;
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
      /* An image map inside a link: two targets for one image, the anchor's to be seen
         and the area's to be followed (what phishing kits of 2004-05 did to show the
         bank's address). */
      if (attrs->href->len > 0
          && add_link (w->mime, FCT_MIME_LINK_HTML_ANCHOR, attrs->href, attrs->alt->str,
                       attrs->alt->len, w->index)
          && w->anchor_href != NULL)
        {
          g_autofree char *outer = g_strdup (w->anchor_href->str);
          g_array_index (w->mime->links, FctMimeLink, w->mime->links->len - 1).outer_href
              = g_string_chunk_insert (w->mime->strings, g_strstrip (outer));
        }
      break;
    case TAG_FORM:
      /* Forms do not nest (§13.2.6.4.7, "form"): the first one open takes the inputs. */
      if (attrs->action->len > 0 && w->form_link == 0)
        {
          add_link (w->mime, FCT_MIME_LINK_HTML_FORM, attrs->action, "", 0, w->index);
          w->form_link = w->mime->links->len;
        }
      break;
    case TAG_BASE:
      /* Only the first <base> with an href sets the document's base URL (§4.2.3). */
      if (w->base == NULL && attrs->href->len > 0)
        w->base = g_string_new_len (attrs->href->str, (gssize)attrs->href->len);
      break;
    case TAG_RAW:
    case TAG_VOID:
    case TAG_OTHER:
      break;
    }
}

/* Resolves the part's relative links against its <base href> (WHATWG URL parsing with
 * a base; RFC 3986 §5.2 as GUri implements it). A base that is not an absolute URL is
 * ignored, as browsers ignore it, and a link GUri cannot read stays as written. */
static void
resolve_links (FctMime *mime, guint first, const GString *base)
{
  g_autoptr (GUri) base_uri = NULL;
  const GUriFlags flags = G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED;

  base_uri = g_uri_parse (base->str, flags, NULL);
  if (base_uri == NULL)
    return;
  for (guint i = first; i < mime->links->len; i++)
    {
      FctMimeLink *link = &g_array_index (mime->links, FctMimeLink, i);
      g_autoptr (GUri) resolved = NULL;
      g_autofree char *text = NULL;

      if (g_uri_peek_scheme (link->href) != NULL)
        continue;
      resolved = g_uri_parse_relative (base_uri, link->href, flags, NULL);
      if (resolved == NULL)
        continue;
      text = g_uri_to_string (resolved);
      link->href = g_string_chunk_insert (mime->strings, text);
    }
}

void
fct_mime_html_parse (FctMime *mime, guint index)
{
  FctMimeEntry *entry = g_ptr_array_index (mime->entries, index);
  const char *p = entry->text, *end = entry->text + entry->text_len;
  guint first_link = mime->links->len;
  Walk w = { 0 };
  Attrs attrs = { g_string_new (NULL),
                  g_string_new (NULL),
                  g_string_new (NULL),
                  g_string_new (NULL),
                  g_string_new (NULL),
                  g_string_new (NULL),
                  g_string_new (NULL),
                  g_string_new (NULL),
                  FALSE,
                  FALSE,
                  FALSE };
  GString *discard = g_string_new (NULL);

  w.mime = mime;
  w.entry = entry;
  w.index = index;
  w.text.out = g_string_sized_new (entry->text_len + 16);
  w.text.space = TRUE;
  w.anchor_alt = g_string_new (NULL);
  while (p < end)
    {
      const char *name, *next;
      gsize name_len;
      gboolean closing;
      TagKind kind;

      if (*p != '<')
        {
          if (w.hidden)
            {
              /* Text that CSS hides is not what the reader sees (its references are
                 still read whole, so that "&lt;" cannot open a tag). */
              if (*p == '&' && (next = char_ref (p, end, FALSE, discard)) != NULL)
                p = next;
              else
                p++;
              empty (discard);
              while (p < end && *p != '<' && *p != '&')
                p++;
            }
          else if (*p != '&')
            p = text_run (&w.text, p, end);
          else if ((next = char_ref (p, end, FALSE, w.text.out)) != NULL)
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
          if (!w.hidden)
            text_byte (&w.text, *p);
          p++; /* a '<' that starts no tag is text */
          continue;
        }
      name_len = 0;
      while (name + name_len < end && !is_space (name[name_len]) && name[name_len] != '/'
             && name[name_len] != '>')
        name_len++;
      kind = tag_kind (name, name_len);
      if (closing)
        {
          const char *close = memchr (name, '>', (gsize)(end - name));
          p = close != NULL ? close + 1 : end;
          if (kind == TAG_A)
            close_anchor (&w);
          else if (kind == TAG_FORM)
            w.form_link = 0;
          else if (kind == TAG_BLOCK && !w.hidden)
            text_break (&w.text, '\n');
          pop_to (&w, name, name_len);
          continue;
        }
      attrs_reset (&attrs);
      p = read_attributes (name + name_len, end, &attrs);
      if (!is_void (kind, name, name_len) && kind != TAG_RAW)
        push_open (&w, name, name_len, kind, &attrs);
      start_tag (&w, kind, &attrs);
      if (kind == TAG_RAW)
        {
          const char *raw = p;
          p = find_end_tag (p, end, name, name_len);
          if (name_is (name, name_len, "style") && !w.css_backgrounds)
            w.css_backgrounds = mentions_background (raw, p);
        }
    }
  close_anchor (&w);
  if (w.base != NULL)
    {
      resolve_links (mime, first_link, w.base);
      g_string_free (w.base, TRUE);
    }

  g_string_free (attrs.href, TRUE);
  g_string_free (attrs.action, TRUE);
  g_string_free (attrs.alt, TRUE);
  g_string_free (attrs.type, TRUE);
  g_string_free (attrs.style, TRUE);
  g_string_free (attrs.bgcolor, TRUE);
  g_string_free (attrs.color, TRUE);
  g_string_free (attrs.name, TRUE);
  g_string_free (discard, TRUE);
  g_string_free (w.anchor_alt, TRUE);
  g_free (entry->text);
  entry->text_len = w.text.out->len;
  entry->text = g_string_free (w.text.out, FALSE);
}
