import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.lang.StringEscapeUtils;
import org.apache.velocity.Template;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.event.EventCartridge;
import org.apache.velocity.app.event.ReferenceInsertionEventHandler;
import org.apache.velocity.runtime.RuntimeInstance;
import org.apache.velocity.context.InternalContextAdapter;
import org.apache.velocity.runtime.parser.node.ASTEQNode;
import org.apache.velocity.runtime.parser.node.ASTNENode;
import org.apache.velocity.runtime.parser.node.Node;
import org.apache.velocity.runtime.parser.node.SimpleNode;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * Renders API Gateway (REST API) mapping templates with the real Apache Velocity 1.7 engine.
 *
 * <p>Protocol: JSON Lines. Each stdin line is one request
 * {@code {"template","body","params":{"path","querystring","header"},"context","stageVariables","options"}};
 * each stdout line is one result {@code {"output","responseOverride","requestOverride","error","nullReferences"}},
 * in request order, flushed per line. stdout carries nothing else (System.out is redirected to stderr).
 * options: nullAsEmpty (default true), emptyBody ("object" = AWS's {}, default; "empty" = the raw text ""),
 * overrides ({requestOverride, responseOverride} of the request template, carried into a response template).
 *
 * <p>Emulation follows the AWS page "API Gateway mapping template and access logging variable reference"
 * and, where they exist, behaviour recorded on real AWS (marked AWS-RECORDED below; the cases are
 * test/vtl/aws-recorded/cases.json, each with its source). Everything neither pins down is marked GUESS
 * and keeps the stricter reading.
 */
public final class VtlRenderer {

  /** Parses request bodies. Floats stay BigDecimal so $input.json re-serialises 1.10 as 1.10 (GUESS: API GW's exact number output is unknown). */
  /** API Gateway accepts 10 MB payloads; lift Jackson's default 20M-char string cap out of the way. */
  static JsonFactory factory() {
    JsonFactory f = new JsonFactory();
    f.setStreamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).maxNumberLength(100_000).build());
    return f;
  }

  static final ObjectMapper BODY = JsonMapper.builder(factory())
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      // Stricter reading: trailing garbage after the JSON value ({"a":1} x) is a parse error.
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** Serialises $input.json results: compact, non-ASCII left as is (GUESS), '/' not escaped. */
  static final ObjectMapper JSON_OUT = new ObjectMapper();

  /** Protocol mapper: reads requests; writes results ASCII-only so lone surrogates survive the pipe. */
  static final ObjectMapper PROTO_IN = new ObjectMapper(factory());
  static final ObjectMapper PROTO_OUT = JsonMapper.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .build();

  static final Configuration JSONPATH = Configuration.builder()
      .jsonProvider(new JacksonJsonProvider(BODY))
      .mappingProvider(new JacksonMappingProvider(BODY))
      .build();

  static RuntimeInstance velocity;
  static final Map<String, Template> CACHE = new LinkedHashMap<String, Template>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Template> e) {
      return size() > 512;
    }
  };
  static int templateCounter = 0;

  public static void main(String[] args) throws Exception {
    // Keep the protocol channel clean: anything a library prints goes to stderr.
    Writer out = new BufferedWriter(new java.io.OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16);
    System.setOut(System.err);
    velocity = newVelocity();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.trim().isEmpty()) {
        continue;
      }
      Map<String, Object> result;
      try {
        result = handle(line);
      } catch (Throwable t) { // never let one request kill the server; answer in order
        result = new LinkedHashMap<>();
        result.put("output", "");
        result.put("error", "protocol: " + describe(t));
      }
      out.write(PROTO_OUT.writeValueAsString(result));
      out.write('\n');
      out.flush();
    }
    out.flush();
  }

  static RuntimeInstance newVelocity() throws Exception {
    RuntimeInstance ri = new RuntimeInstance();
    // Default Velocity 1.7 settings (strict mode off, no foreach loop cap), except:
    // - no velocity.log file in the working directory (logging does not change output);
    ri.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
    // - inline #macro definitions stay local to the template that defines them, so one test's
    //   template cannot leak a macro into another (API Gateway evaluates each template alone).
    ri.setProperty("velocimacro.permissions.allow.inline.local.scope", "true");
    // Note: API Gateway's quota page is believed to cap #foreach at 1,000 iterations (not verified here);
    // this engine does not cap loops (Velocity default directive.foreach.maxloops = -1).
    ri.init();
    return ri;
  }

  static Template compile(String text) throws Exception {
    Template t = CACHE.get(text);
    if (t != null) {
      return t;
    }
    String name = "template-" + (++templateCounter);
    SimpleNode node = velocity.parse(new StringReader(text), name);
    awsComparisons(node);
    t = new Template();
    t.setName(name);
    t.setRuntimeServices(velocity);
    t.setData(node);
    t.initDocument();
    CACHE.put(text, t);
    return t;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> handle(String line) throws Exception {
    Map<String, Object> req = PROTO_IN.readValue(line, Map.class);
    String template = req.get("template") == null ? "" : String.valueOf(req.get("template"));
    String body = req.get("body") == null ? "" : String.valueOf(req.get("body"));
    Map<String, Object> options = req.get("options") instanceof Map ? (Map<String, Object>) req.get("options") : Map.of();
    boolean nullAsEmpty = !Boolean.FALSE.equals(options.get("nullAsEmpty"));
    // AWS-RECORDED: $input.body of an empty request (and of an empty integration response) is "{}".
    // options.emptyBody = "empty" gives the raw-text reading "" (this renderer's former guess). LocalStack 4.13.1 also
    // gives {} for $input.body, but "" for $input.json('$') (docs/localstack-notes.md).
    boolean emptyBodyAsObject = !"empty".equals(options.get("emptyBody"));

    Map<String, Object> rawParams = req.get("params") instanceof Map ? (Map<String, Object>) req.get("params") : Map.of();
    Map<String, Map<String, String>> params = new LinkedHashMap<>();
    for (String kind : new String[] {"path", "querystring", "header"}) {
      params.put(kind, stringMap(rawParams.get(kind)));
    }

    // $context: caller's nested values (mutable copies), plus the two override objects.
    // AWS-RECORDED: a map-valued $context entry ($context.identity, $context.requestOverride, ...) prints as "".
    Map<String, Object> context = req.get("context") instanceof Map ? (Map<String, Object>) contextCopy(req.get("context")) : new ContextMap();
    // AWS-RECORDED: requestOverride has path, header, querystring (in that order); responseOverride has header,
    // and status only once a template sets it: #set($context.responseOverride.status = 400).
    Map<String, Object> responseOverride = new ContextMap();
    responseOverride.put("header", new ContextMap());
    Map<String, Object> requestOverride = new ContextMap();
    requestOverride.put("path", new ContextMap());
    requestOverride.put("header", new ContextMap());
    requestOverride.put("querystring", new ContextMap());
    // AWS-RECORDED: overrides set by the request template of a request carry into its response template
    // (status, headers and any other key). options.overrides holds the request render's overrides.
    Map<String, Object> carried = options.get("overrides") instanceof Map ? (Map<String, Object>) options.get("overrides") : Map.of();
    mergeInto(requestOverride, carried.get("requestOverride"));
    mergeInto(responseOverride, carried.get("responseOverride"));
    context.put("responseOverride", responseOverride);
    context.put("requestOverride", requestOverride);

    Map<String, Object> stageVariables = req.get("stageVariables") instanceof Map
        ? (Map<String, Object>) deepCopy(req.get("stageVariables")) : new LinkedHashMap<>();

    VelocityContext vc = new VelocityContext();
    vc.put("input", new Input(body.isEmpty() && emptyBodyAsObject ? "{}" : body, params));
    vc.put("util", new Util());
    vc.put("context", context);
    vc.put("stageVariables", stageVariables);

    NullTracker tracker = new NullTracker(nullAsEmpty);
    EventCartridge ec = new EventCartridge();
    ec.addEventHandler(tracker);
    ec.attachToContext(vc);

    StringWriter w = new StringWriter();
    String error = null;
    try {
      compile(template).merge(vc, w);
    } catch (Throwable t) {
      error = describe(t);
    }

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("output", w.toString());
    Map<String, Object> ro = new LinkedHashMap<>(responseOverride);
    ro.put("status", toStatus(responseOverride.get("status")));
    result.put("responseOverride", ro);
    result.put("requestOverride", new LinkedHashMap<>(requestOverride));
    result.put("error", error);
    result.put("nullReferences", new ArrayList<>(tracker.nulls));
    return result;
  }

  static Object toStatus(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Number) {
      return ((Number) v).intValue();
    }
    String s = String.valueOf(v).trim();
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return s; // returned as given; a non-numeric status is the test's problem to notice
    }
  }

  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    Throwable c = t;
    Set<Throwable> seen = new LinkedHashSet<>();
    while (c != null && seen.add(c)) {
      if (sb.length() > 0) {
        sb.append(" <- ");
      }
      sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
      c = c.getCause();
    }
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> stringMap(Object o) {
    Map<String, String> m = new LinkedHashMap<>(); // case-sensitive keys (see Input.params)
    if (o instanceof Map) {
      for (Map.Entry<String, Object> e : ((Map<String, Object>) o).entrySet()) {
        m.put(e.getKey(), e.getValue() == null ? null : String.valueOf(e.getValue()));
      }
    }
    return m;
  }

  @SuppressWarnings("unchecked")
  static Object deepCopy(Object o) {
    if (o instanceof Map) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) o).entrySet()) {
        m.put(e.getKey(), deepCopy(e.getValue()));
      }
      return m;
    }
    if (o instanceof List) {
      List<Object> l = new ArrayList<>();
      for (Object x : (List<Object>) o) {
        l.add(deepCopy(x));
      }
      return l;
    }
    return o;
  }

  /** A map under $context. AWS-RECORDED: printed whole, it renders as "" (not as {k=v}). */
  public static final class ContextMap extends LinkedHashMap<String, Object> {
    @Override
    public String toString() {
      return "";
    }
  }

  @SuppressWarnings("unchecked")
  static Object contextCopy(Object o) {
    if (o instanceof Map) {
      ContextMap m = new ContextMap();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) o).entrySet()) {
        m.put(e.getKey(), contextCopy(e.getValue()));
      }
      return m;
    }
    return deepCopy(o);
  }

  @SuppressWarnings("unchecked")
  static void mergeInto(Map<String, Object> target, Object from) {
    if (!(from instanceof Map)) {
      return;
    }
    for (Map.Entry<String, Object> e : ((Map<String, Object>) from).entrySet()) {
      if (e.getValue() instanceof Map && target.get(e.getKey()) instanceof Map) {
        mergeInto((Map<String, Object>) target.get(e.getKey()), e.getValue());
      } else if (e.getValue() != null) {
        target.put(e.getKey(), contextCopy(e.getValue()));
      }
    }
  }

  /** A list read from the body. AWS-RECORDED: $input.path lists print as compact JSON ([{"foo":"bar"}]). */
  public static final class JsonList extends ArrayList<Object> {
    JsonList(int n) {
      super(n);
    }

    @Override
    public String toString() {
      try {
        return JSON_OUT.writeValueAsString(this);
      } catch (Exception e) {
        return super.toString();
      }
    }
  }

  /**
   * Lists become JsonList, at any depth. Maps stay LinkedHashMap, so a map prints the Java way:
   * AWS-RECORDED {foo=bar}, {bigger=dict, to=test, with=separators}, {foo=[{"nested":"bar"}]}.
   */
  @SuppressWarnings("unchecked")
  static Object awsShape(Object o) {
    if (o instanceof Map) {
      Map<String, Object> m = (Map<String, Object>) o;
      for (Map.Entry<String, Object> e : m.entrySet()) {
        e.setValue(awsShape(e.getValue()));
      }
      return m;
    }
    if (o instanceof List && !(o instanceof JsonList)) {
      List<Object> l = (List<Object>) o;
      JsonList j = new JsonList(l.size());
      for (Object x : l) {
        j.add(awsShape(x));
      }
      return j;
    }
    return o;
  }

  /**
   * AWS-RECORDED: a null operand of == or != compares as "": a missing $input.path or a JSON null equals both
   * $null and "", and an undefined reference is not != ''. Plain Velocity 1.7 says null == "" is false, so
   * every == and != node of a parsed template is replaced by one that reads null as "" and otherwise
   * compares as Velocity 1.7 does (numbers by value, related classes by equals, else by toString).
   */
  static void awsComparisons(Node node) {
    for (int i = 0; i < node.jjtGetNumChildren(); i++) {
      Node c = node.jjtGetChild(i);
      if (c.getClass() == ASTEQNode.class || c.getClass() == ASTNENode.class) {
        SimpleNode n = c.getClass() == ASTEQNode.class ? new AwsEqNode(false) : new AwsEqNode(true);
        n.setFirstToken(c.getFirstToken());
        for (int k = 0; k < c.jjtGetNumChildren(); k++) {
          n.jjtAddChild(c.jjtGetChild(k), k);
          c.jjtGetChild(k).jjtSetParent(n);
        }
        n.jjtSetParent(node);
        ((SimpleNode) node).jjtAddChild(n, i);
        c = n;
      }
      awsComparisons(c);
    }
  }

  /** == (negate false) or != (negate true) with AWS's reading of null. */
  public static final class AwsEqNode extends ASTEQNode {
    private final boolean negate;

    AwsEqNode(boolean negate) {
      super(0);
      this.negate = negate;
    }

    @Override
    public boolean evaluate(InternalContextAdapter context) {
      Object left = jjtGetChild(0).value(context);
      Object right = jjtGetChild(1).value(context);
      return negate != equal(left, right);
    }

    @Override
    public Object value(InternalContextAdapter context) {
      return evaluate(context) ? Boolean.TRUE : Boolean.FALSE;
    }

    static boolean equal(Object left, Object right) {
      if (left == null || right == null) {
        return String.valueOf(left == null ? "" : left).equals(String.valueOf(right == null ? "" : right));
      }
      if (left instanceof Number && right instanceof Number) {
        return new BigDecimal(left.toString()).compareTo(new BigDecimal(right.toString())) == 0;
      }
      if (left.getClass().isAssignableFrom(right.getClass()) || right.getClass().isAssignableFrom(left.getClass())) {
        return left.equals(right);
      }
      return left.toString().equals(right.toString());
    }
  }

  /**
   * Records references that rendered as null. GUESS: API Gateway renders a null reference as an
   * empty string (e.g. $context.identity.cognitoIdentityId in the console's passthrough template
   * comes out as ""), where plain Velocity would print the reference text itself. options.nullAsEmpty
   * = false gives the plain Velocity behaviour.
   */
  public static final class NullTracker implements ReferenceInsertionEventHandler {
    final boolean nullAsEmpty;
    final Set<String> nulls = new LinkedHashSet<>();

    NullTracker(boolean nullAsEmpty) {
      this.nullAsEmpty = nullAsEmpty;
    }

    @Override
    public Object referenceInsert(String reference, Object value) {
      if (value == null) {
        if (!reference.startsWith("$!")) { // quiet references ($!x) ask for empty output themselves
          nulls.add(reference);
        }
        return nullAsEmpty ? "" : null;
      }
      return value;
    }
  }

  /** $input */
  public static final class Input {
    private final String body;
    private final Map<String, Map<String, String>> params;
    private boolean parsed = false;
    private Object root;
    private RuntimeException parseError;

    Input(String body, Map<String, Map<String, String>> params) {
      this.body = body;
      this.params = params;
    }

    /** $input.body: the raw payload as a string. */
    public String getBody() {
      return body;
    }

    private Object root() {
      if (!parsed) {
        parsed = true;
        if (body.isEmpty()) {
          // The raw-text reading's empty body (options.emptyBody = "empty") still parses as {} (GUESS: not recorded).
          root = new LinkedHashMap<String, Object>();
        } else {
          try {
            root = awsShape(BODY.readValue(body, Object.class));
          } catch (Exception e) {
            // GUESS, stricter reading: API Gateway fails the transformation when the template
            // asks for JSON from a body that is not JSON; here $input.json/$input.path throw and the
            // render returns "error". (Whitespace-only bodies count as invalid JSON here.)
            parseError = new IllegalArgumentException("body is not valid JSON: " + e.getMessage().split("\n")[0], e);
          }
        }
      }
      if (parseError != null) {
        throw parseError;
      }
      return root;
    }

    /** Evaluates JSONPath; MISSING when a definite path does not exist. */
    private Object eval(String path) {
      Object r = root();
      String p = path == null ? "$" : path.trim();
      if (p.equals("$")) {
        return r;
      }
      try {
        return JsonPath.using(JSONPATH).parse(r).read(p);
      } catch (PathNotFoundException e) {
        return MISSING;
      }
    }

    private static final Object MISSING = new Object();

    /**
     * $input.path(x): the object (Map / List / String / Number / Boolean / null) at JSONPath x.
     * A path that does not exist yields "" (GUESS: "" rather than null, so #set overwrites an old value).
     * AWS-RECORDED: a missing path and a JSON null both render empty and compare equal to $null and "" (see AwsEqNode).
     */
    public Object path(String p) {
      Object v = eval(p);
      return v == MISSING ? "" : awsShape(v);
    }

    /**
     * $input.json(x): the value at JSONPath x re-serialised as compact JSON.
     * GUESS: a path that does not exist yields the JSON string "" (two quote characters).
     */
    public String json(String p) throws Exception {
      Object v = eval(p);
      if (v == MISSING) {
        return "\"\"";
      }
      return JSON_OUT.writeValueAsString(v);
    }

    /**
     * AWS-RECORDED: $input.params(name) is "" for these request headers, sent or not. Content-Length is not in
     * the recording (the recorded request had none) and stays visible (GUESS). $input.params().header still
     * holds them (GUESS: not recorded).
     */
    static final Set<String> HIDDEN_HEADERS = Set.of("connection", "content-md5", "expect", "max-forwards",
        "proxy-authenticate", "server", "te", "trailer", "transfer-encoding", "upgrade", "www-authenticate");

    /** $input.params(): {path:{..}, querystring:{..}, header:{..}}. */
    public Map<String, Map<String, String>> params() {
      return params;
    }

    /**
     * $input.params(x): searches path, then querystring, then header (documented order).
     * GUESS: header names are matched case-sensitively, exactly as given in the request's
     * params.header (the strict reading; API Gateway's own lookup may be case-insensitive).
     * A name found nowhere yields "" (GUESS; commonly relied on as "$input.params('x')" -> "").
     */
    public String params(String name) {
      for (String kind : new String[] {"path", "querystring", "header"}) {
        if (kind.equals("header") && name != null && HIDDEN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
          continue;
        }
        Map<String, String> m = params.get(kind);
        if (m != null && m.containsKey(name) && m.get(name) != null) {
          return m.get(name);
        }
      }
      return "";
    }
  }

  /** $util */
  public static final class Util {
    /** commons-lang 2.4 StringEscapeUtils.escapeJavaScript: ' -> \', / -> \/, non-ASCII -> backslash-uXXXX. */
    public String escapeJavaScript(String s) {
      return StringEscapeUtils.escapeJavaScript(s);
    }

    /** Standard base64 with padding of the UTF-8 bytes. */
    public String base64Encode(String s) {
      return s == null ? null : Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Standard (MIME-less) base64 decode, bytes read as UTF-8 (malformed bytes become U+FFFD). */
    public String base64Decode(String s) {
      return s == null ? null : new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    /** Parses a JSON string into Map / List / String / Number / Boolean / null. */
    public Object parseJson(String s) throws Exception {
      return BODY.readValue(s, Object.class);
    }

    /** application/x-www-form-urlencoded, UTF-8 (space -> '+'). */
    public String urlEncode(String s) {
      return s == null ? null : URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public String urlDecode(String s) {
      return s == null ? null : URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
  }

  private VtlRenderer() {
  }
}
