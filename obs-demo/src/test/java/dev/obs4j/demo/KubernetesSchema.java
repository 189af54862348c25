/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a Kubernetes object against the API's own types, as fabric8's models (generated from the Kubernetes
 * OpenAPI schema, kubernetes-client-bom 8.0.0) define them, strictly: those models keep a field they do not
 * know in {@code additionalProperties} without a word, and Jackson turns {@code "2"} into {@code 2}. So an
 * object passes only when it deserializes, no model anywhere in it holds an unknown field, and writing the
 * model back gives the very same tree (same field names, same JSON types, nothing dropped).
 */
final class KubernetesSchema {
  private static final Map<String, Class<?>> KINDS =
      Map.ofEntries(
          Map.entry("v1/Namespace", Namespace.class),
          Map.entry("v1/ConfigMap", ConfigMap.class),
          Map.entry("v1/Secret", Secret.class),
          Map.entry("v1/Service", Service.class),
          Map.entry("v1/ServiceAccount", ServiceAccount.class),
          Map.entry("apps/v1/Deployment", Deployment.class),
          Map.entry("apps/v1/DaemonSet", DaemonSet.class),
          Map.entry("batch/v1/Job", Job.class),
          Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
          Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", ClusterRole.class),
          Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBinding.class));

  /** Jackson as the models expect it, minus the leniency that would hide a mistyped value. */
  static final ObjectMapper MAPPER = strictMapper();

  private KubernetesSchema() {}

  private static ObjectMapper strictMapper() {
    JsonMapper mapper =
        JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    for (LogicalType type : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
      mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    // Written back as the API writes them (fabric8 registers these in its client, not in the models).
    SimpleModule scalars = new SimpleModule("kubernetes-scalars");
    scalars.addSerializer(
        IntOrString.class,
        new StdSerializer<>(IntOrString.class) {
          @Override
          public void serialize(IntOrString value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (value.getIntVal() != null) {
              gen.writeNumber(value.getIntVal());
            } else {
              gen.writeString(value.getStrVal());
            }
          }
        });
    scalars.addSerializer(
        Quantity.class,
        new StdSerializer<>(Quantity.class) {
          @Override
          public void serialize(Quantity value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.getAmount() + (value.getFormat() == null ? "" : value.getFormat()));
          }
        });
    mapper.registerModule(scalars);
    return mapper;
  }

  /** What is wrong with {@code object}, one line each naming where; empty when it matches the API's types. */
  static List<String> problems(JsonNode object) {
    String apiVersion = object.path("apiVersion").asText();
    String kind = object.path("kind").asText();
    String name = kind + " " + object.path("metadata").path("name").asText("?");
    Class<?> type = KINDS.get(apiVersion + "/" + kind);
    if (type == null) {
      return List.of(name + ": no model for apiVersion " + apiVersion + " kind " + kind);
    }
    Object model;
    try {
      model = MAPPER.treeToValue(object, type);
    } catch (JsonMappingException e) {
      StringBuilder path = new StringBuilder(name);
      for (JsonMappingException.Reference r : e.getPath()) {
        path.append(r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]");
      }
      return List.of(path + ": " + e.getOriginalMessage().lines().findFirst().orElse(e.toString()));
    } catch (IOException e) {
      return List.of(name + ": " + e);
    }
    List<String> problems = new ArrayList<>();
    unknownFields(model, name, problems, new IdentityHashMap<>());
    differences(object, MAPPER.valueToTree(model), name, problems);
    return problems;
  }

  /** Every {@code additionalProperties} entry anywhere in the model: a field the API does not have. */
  private static void unknownFields(Object model, String path, List<String> problems, Map<Object, Boolean> seen) {
    if (model == null || seen.put(model, Boolean.TRUE) != null) {
      return;
    }
    if (model instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", problems, seen);
      }
      return;
    }
    if (model instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        unknownFields(e.getValue(), path + "." + e.getKey(), problems, seen);
      }
      return;
    }
    if (!model.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : model.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(model);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
      if (field.equals("additionalProperties") && value instanceof Map<?, ?> extra) {
        for (Object key : extra.keySet()) {
          problems.add(path + "." + key + ": unknown field (not in the Kubernetes API)");
        }
      } else {
        unknownFields(value, path + "." + field, problems, seen);
      }
    }
  }

  /** Where the model written back differs from what was read: a value Jackson converted, or dropped. */
  private static void differences(JsonNode read, JsonNode written, String path, List<String> problems) {
    if (read.isObject() && written.isObject()) {
      Set<String> names = new java.util.TreeSet<>();
      read.fieldNames().forEachRemaining(names::add);
      written.fieldNames().forEachRemaining(names::add);
      for (String field : names) {
        JsonNode a = read.get(field);
        JsonNode b = written.get(field);
        if (a == null || a.isNull()) {
          if (b != null && !b.isNull() && !isEmpty(b)) {
            problems.add(path + "." + field + ": appears only after a round trip: " + b);
          }
        } else if (b == null || b.isNull()) {
          if (!isEmpty(a)) {
            problems.add(path + "." + field + ": dropped by the API's type (" + a + ")");
          }
        } else {
          differences(a, b, path + "." + field, problems);
        }
      }
    } else if (read.isArray() && written.isArray()) {
      if (read.size() != written.size()) {
        problems.add(path + ": " + read.size() + " items read, " + written.size() + " written back");
        return;
      }
      Iterator<JsonNode> a = read.elements();
      Iterator<JsonNode> b = written.elements();
      for (int i = 0; a.hasNext(); i++) {
        differences(a.next(), b.next(), path + "[" + i + "]", problems);
      }
    } else if (read.getNodeType() != written.getNodeType() || !read.asText().equals(written.asText())) {
      problems.add(
          path + ": " + read.getNodeType().name().toLowerCase() + " " + read + " is "
              + written.getNodeType().name().toLowerCase() + " " + written + " in the API's type");
    }
  }

  private static boolean isEmpty(JsonNode node) {
    return (node.isObject() || node.isArray()) && node.isEmpty();
  }
}
