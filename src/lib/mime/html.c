/* facteur — HTML parts: parsed with gumbo as a browser would (WHATWG HTML §13.2), walked
 * without recursion for the visible text, the images and the links (<a href>, <area
 * href>, <form action>) with the text a reader sees for each. */
#include "mime-private.h"

#include <gumbo.h>
#include <string.h>

/* gumbo allocates many small blocks and frees them node by node, recursively, at the
 * end: a hostile document nested 100,000 deep would overflow the stack there. Its
 * allocations come from an arena instead, freed at once, and gumbo_destroy_output is
 * never called. */
#define ARENA_BLOCK (64 * 1024)

typedef struct
{
  GSList *blocks; /* g_malloc'd blocks (owned) */
  char *cur;
  gsize left;
} Arena;

static void *
arena_alloc (void *userdata, size_t size)
{
  Arena *arena = userdata;
  char *p;

  size = (size + 15) & ~(size_t)15;
  if (size == 0)
    size = 16;
  if (size > ARENA_BLOCK / 4)
    {
      p = g_malloc (size);
      arena->blocks = g_slist_prepend (arena->blocks, p);
      return p;
    }
  if (size > arena->left)
    {
      arena->cur = g_malloc (ARENA_BLOCK);
      arena->left = ARENA_BLOCK;
      arena->blocks = g_slist_prepend (arena->blocks, arena->cur);
    }
  p = arena->cur;
  arena->cur += size;
  arena->left -= size;
  return p;
}

static void
arena_free (void *userdata, void *ptr)
{
  (void)userdata;
  (void)ptr;
}

/* gumbo checks "in scope" by scanning the stack of open elements, so a document
 * nested deeper than any real one costs time quadratic in its depth (200,000 <div>s
 * take minutes). A linear pre-scan estimates the depth; past html_depth_max, start
 * tags are dropped before parsing, except those that carry links and images. Dropping
 * a <div> changes layout, never the text or the links. */
static const char *const void_or_implied[] = {
  "area",  "base",     "br",      "col",      "embed", "hr",     "img",   "input",
  "link",  "meta",     "param",   "source",   "track", "wbr",    "p",     "li",
  "dt",    "dd",       "tr",      "td",       "th",    "option", "tbody", "thead",
  "tfoot", "colgroup", "caption", "optgroup", "rb",    "rt",     "rp",    "!doctype"
};
static const char *const kept_tags[] = { "a", "img", "area", "form", "input" };

static gboolean
name_in (const char *name, gsize len, const char *const *names, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (strlen (names[i]) == len && g_ascii_strncasecmp (name, names[i], len) == 0)
      return TRUE;
  return FALSE;
}

/* Returns the end of the tag that starts at p ('<'), past its '>', skipping quoted
 * attribute values; end when there is none. */
static const char *
tag_end (const char *p, const char *end)
{
  char quote = 0;

  for (p++; p < end; p++)
    {
      if (quote != 0)
        {
          if (*p == quote)
            quote = 0;
        }
      else if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '>')
        return p + 1;
    }
  return end;
}

/* Returns NULL when the estimated depth stays within max, else a copy of the markup
 * with the start tags beyond max removed (transfer full). */
static GString *
flatten_deep (const char *html, gsize len, guint max)
{
  const char *p = html, *end = html + len, *copied = html;
  GString *out = NULL;
  guint depth = 0;

  while ((p = memchr (p, '<', (gsize)(end - p))) != NULL)
    {
      const char *name, *next;
      gsize name_len;
      gboolean closing = FALSE;

      if (end - p >= 4 && memcmp (p, "<!--", 4) == 0)
        {
          const char *close = g_strstr_len (p + 4, end - (p + 4), "-->");
          p = close != NULL ? close + 3 : end;
          continue;
        }
      name = p + 1;
      if (name < end && *name == '/')
        {
          closing = TRUE;
          name++;
        }
      if (name >= end || !(g_ascii_isalpha (*name) || *name == '!'))
        {
          p++;
          continue;
        }
      name_len = 0;
      while (name + name_len < end
             && (g_ascii_isalnum (name[name_len]) || name[name_len] == '!'))
        name_len++;
      next = tag_end (p, end);
      if (closing)
        {
          if (depth > 0
              && !name_in (name, name_len, void_or_implied, G_N_ELEMENTS (void_or_implied)))
            depth--;
        }
      else if (next[-1] != '>' || next - p < 2 || next[-2] != '/')
        {
          if (name_in (name, name_len, void_or_implied, G_N_ELEMENTS (void_or_implied)))
            ;
          else if (depth < max)
            depth++;
          else if (!name_in (name, name_len, kept_tags, G_N_ELEMENTS (kept_tags)))
            {
              if (out == NULL)
                out = g_string_sized_new (len);
              g_string_append_len (out, copied, p - copied);
              copied = next;
            }
        }
      /* The content of script and style is raw text: skip to its end tag. */
      if (!closing
          && ((name_len == 6 && g_ascii_strncasecmp (name, "script", 6) == 0)
              || (name_len == 5 && g_ascii_strncasecmp (name, "style", 5) == 0)))
        {
          const char *q = next;
          while (q < end && (q = memchr (q, '<', (gsize)(end - q))) != NULL)
            {
              if (end - q > 2 && q[1] == '/' && (gsize)(end - q - 2) >= name_len
                  && g_ascii_strncasecmp (q + 2, name, name_len) == 0)
                break;
              q++;
            }
          next = q != NULL && q < end ? q : end;
        }
      p = next;
    }
  if (out != NULL)
    g_string_append_len (out, copied, end - copied);
  return out;
}

typedef struct
{
  const GumboNode *node;
  guint next_child;
  gssize anchor_start; /* offset in the visible text where an <a> began, or -1 */
} Frame;

static gboolean
is_hidden_tag (GumboTag tag)
{
  return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_HEAD
         || tag == GUMBO_TAG_TITLE || tag == GUMBO_TAG_TEMPLATE;
}

static gboolean
is_block_tag (GumboTag tag)
{
  switch (tag)
    {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
append_break (GString *out, char c)
{
  if (out->len == 0)
    return;
  if (out->str[out->len - 1] == ' ')
    out->str[out->len - 1] = c;
  else if (out->str[out->len - 1] != '\n')
    g_string_append_c (out, c);
}

/* Appends text with every run of HTML white space (WHATWG "ASCII whitespace") made one
 * space, as rendering does outside <pre>. */
static void
append_collapsed (GString *out, const char *text)
{
  gboolean space
      = out->len == 0 || out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\n';

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
        {
          if (!space)
            g_string_append_c (out, ' ');
          space = TRUE;
        }
      else
        {
          g_string_append_c (out, *p);
          space = FALSE;
        }
    }
}

static const char *
attr (const GumboNode *node, const char *name)
{
  const GumboAttribute *a
      = gumbo_get_attribute ((GumboVector *)&node->v.element.attributes, name);
  return a != NULL ? a->value : NULL;
}

static void
add_link (FctMime *mime, FctMimeLinkSource source, const char *href, const char *text,
          gsize text_len, guint part)
{
  const char *end;

  /* Leading and trailing C0 controls and spaces are stripped from a URL (WHATWG URL,
     basic URL parser, first step). */
  while (*href != '\0' && (guchar)*href <= 0x20)
    href++;
  end = href + strlen (href);
  while (end > href && (guchar)end[-1] <= 0x20)
    end--;
  while (text_len > 0 && (text[0] == ' ' || text[0] == '\n'))
    {
      text++;
      text_len--;
    }
  while (text_len > 0 && (text[text_len - 1] == ' ' || text[text_len - 1] == '\n'))
    text_len--;
  fct_mime_link_add (mime, source, href, (gsize)(end - href), text, text_len, part);
}

static void
enter_element (FctMime *mime, FctMimeEntry *entry, GString *out, const GumboNode *node,
               guint index, Frame *frame)
{
  GumboTag tag = node->v.element.tag;
  const char *value;

  if (is_block_tag (tag))
    append_break (out, '\n');
  if (attr (node, "background") != NULL)
    entry->images++;
  switch (tag)
    {
    case GUMBO_TAG_IMG:
      entry->images++;
      break;
    case GUMBO_TAG_INPUT:
      if ((value = attr (node, "type")) != NULL && g_ascii_strcasecmp (value, "image") == 0)
        entry->images++;
      break;
    case GUMBO_TAG_A:
      if (attr (node, "href") != NULL)
        frame->anchor_start = (gssize)out->len;
      break;
    case GUMBO_TAG_AREA:
      if ((value = attr (node, "href")) != NULL)
        {
          const char *alt = attr (node, "alt");
          add_link (mime, FCT_MIME_LINK_HTML_ANCHOR, value, alt != NULL ? alt : "",
                    alt != NULL ? strlen (alt) : 0, index);
        }
      break;
    case GUMBO_TAG_FORM:
      if ((value = attr (node, "action")) != NULL)
        add_link (mime, FCT_MIME_LINK_HTML_FORM, value, "", 0, index);
      break;
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
      append_break (out, ' ');
      break;
    default:
      break;
    }
}

void
fct_mime_html_parse (FctMime *mime, guint index)
{
  FctMimeEntry *entry = g_ptr_array_index (mime->entries, index);
  Arena arena = { NULL, NULL, 0 };
  GumboOptions options = kGumboDefaultOptions;
  GumboOutput *output;
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (Frame));
  GString *out = g_string_sized_new (entry->text_len / 4 + 16);
  Frame root;
  GString *flat;

  options.allocator = arena_alloc;
  options.deallocator = arena_free;
  options.userdata = &arena;
  options.max_errors = 0; /* parse errors are not used: do not record them */
  flat = flatten_deep (entry->text, entry->text_len, mime->limits.html_depth_max);
  if (flat != NULL)
    fct_mime_note (mime, FCT_MIME_ANOMALY_HTML_DEPTH,
                   "HTML nested deeper than html_depth_max");
  output = gumbo_parse_with_options (&options, flat != NULL ? flat->str : entry->text,
                                     flat != NULL ? flat->len : entry->text_len);

  root = (Frame){ output->root, 0, -1 };
  g_array_append_val (stack, root);
  while (stack->len > 0)
    {
      Frame *frame = &g_array_index (stack, Frame, stack->len - 1);
      const GumboNode *node = frame->node;
      const GumboVector *children = &node->v.element.children;

      if (frame->next_child < children->length)
        {
          const GumboNode *child = children->data[frame->next_child++];
          Frame next = { child, 0, -1 };

          switch (child->type)
            {
            case GUMBO_NODE_TEXT:
            case GUMBO_NODE_CDATA:
            case GUMBO_NODE_WHITESPACE:
              append_collapsed (out, child->v.text.text);
              break;
            case GUMBO_NODE_ELEMENT:
            case GUMBO_NODE_TEMPLATE:
              if (is_hidden_tag (child->v.element.tag))
                break;
              enter_element (mime, entry, out, child, index, &next);
              g_array_append_val (stack, next);
              break;
            default:
              break;
            }
          continue;
        }
      /* Leaving the element: an anchor's text is what was written inside it. */
      if (frame->anchor_start >= 0)
        add_link (mime, FCT_MIME_LINK_HTML_ANCHOR, attr (node, "href"),
                  out->str + frame->anchor_start, out->len - (gsize)frame->anchor_start,
                  index);
      if (node->type == GUMBO_NODE_ELEMENT && is_block_tag (node->v.element.tag))
        append_break (out, '\n');
      g_array_set_size (stack, stack->len - 1);
    }

  g_slist_free_full (arena.blocks, g_free);
  if (flat != NULL)
    g_string_free (flat, TRUE);
  g_free (entry->text);
  entry->text_len = out->len;
  entry->text = g_string_free (out, FALSE);
}
