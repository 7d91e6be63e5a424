using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cascade.Tests.Sweeps;

/// <summary>
/// The part of Kubernetes' OpenAPI schema for batch/v1 Job (io.k8s.api.batch.v1.Job, api/openapi-spec in
/// kubernetes/kubernetes, v1.31) that the manifests `cascade sweep job` writes reach: each object's fields
/// as upstream names them (a misspelt or invented field fails), their types, required fields and enums,
/// checked offline with a small validator for that subset of JSON Schema (type, required, properties,
/// additionalProperties, items, enum, minimum). No kubectl or cluster needed.
/// </summary>
internal static class BatchV1JobSchema
{
    public const string Schema =
        """
        {
          "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"], "additionalProperties": false,
          "properties": {
            "apiVersion": {"enum": ["batch/v1"]}, "kind": {"enum": ["Job"]},
            "metadata": {"$ref": "ObjectMeta"},
            "spec": {
              "type": "object", "required": ["template"], "additionalProperties": false,
              "properties": {
                "activeDeadlineSeconds": {"type": "integer", "minimum": 1}, "backoffLimit": {"type": "integer", "minimum": 0},
                "backoffLimitPerIndex": {"type": "integer", "minimum": 0}, "completionMode": {"enum": ["NonIndexed", "Indexed"]},
                "completions": {"type": "integer", "minimum": 0}, "managedBy": {"type": "string"}, "manualSelector": {"type": "boolean"},
                "maxFailedIndexes": {"type": "integer", "minimum": 0}, "parallelism": {"type": "integer", "minimum": 0},
                "podReplacementPolicy": {"enum": ["TerminatingOrFailed", "Failed"]}, "suspend": {"type": "boolean"},
                "ttlSecondsAfterFinished": {"type": "integer", "minimum": 0}, "selector": {"type": "object"}, "successPolicy": {"type": "object"},
                "podFailurePolicy": {
                  "type": "object", "required": ["rules"], "additionalProperties": false,
                  "properties": {"rules": {"type": "array", "items": {
                    "type": "object", "required": ["action"], "additionalProperties": false,
                    "properties": {
                      "action": {"enum": ["Count", "FailIndex", "FailJob", "Ignore"]},
                      "onExitCodes": {"type": "object", "required": ["operator", "values"], "additionalProperties": false,
                        "properties": {"containerName": {"type": "string"}, "operator": {"enum": ["In", "NotIn"]}, "values": {"type": "array", "items": {"type": "integer"}}}},
                      "onPodConditions": {"type": "array", "items": {"type": "object", "required": ["type"], "additionalProperties": false,
                        "properties": {"type": {"type": "string"}, "status": {"enum": ["True", "False", "Unknown"]}}}}
                    }}}}
                },
                "template": {
                  "type": "object", "additionalProperties": false,
                  "properties": {"metadata": {"$ref": "ObjectMeta"}, "spec": {"$ref": "PodSpec"}}
                }
              }
            }
          },
          "definitions": {
            "ObjectMeta": {"type": "object", "additionalProperties": false, "properties": {
              "name": {"type": "string"}, "namespace": {"type": "string"}, "generateName": {"type": "string"},
              "labels": {"type": "object", "additionalProperties": {"type": "string"}},
              "annotations": {"type": "object", "additionalProperties": {"type": "string"}}}},
            "PodSpec": {"type": "object", "required": ["containers"], "additionalProperties": false, "properties": {
              "restartPolicy": {"enum": ["Always", "OnFailure", "Never"]},
              "containers": {"type": "array", "items": {"$ref": "Container"}}, "initContainers": {"type": "array", "items": {"$ref": "Container"}},
              "serviceAccountName": {"type": "string"}, "nodeSelector": {"type": "object", "additionalProperties": {"type": "string"}},
              "tolerations": {"type": "array"}, "affinity": {"type": "object"}, "activeDeadlineSeconds": {"type": "integer"},
              "terminationGracePeriodSeconds": {"type": "integer"}, "priorityClassName": {"type": "string"},
              "securityContext": {"type": "object", "additionalProperties": false, "properties": {
                "runAsNonRoot": {"type": "boolean"}, "runAsUser": {"type": "integer"}, "runAsGroup": {"type": "integer"}, "fsGroup": {"type": "integer"},
                "fsGroupChangePolicy": {"enum": ["OnRootMismatch", "Always"]}, "supplementalGroups": {"type": "array", "items": {"type": "integer"}},
                "seccompProfile": {"$ref": "SeccompProfile"}}},
              "volumes": {"type": "array", "items": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                "name": {"type": "string"},
                "configMap": {"type": "object", "additionalProperties": false, "properties": {
                  "name": {"type": "string"}, "optional": {"type": "boolean"}, "defaultMode": {"type": "integer"},
                  "items": {"type": "array", "items": {"type": "object", "required": ["key", "path"], "additionalProperties": false,
                    "properties": {"key": {"type": "string"}, "path": {"type": "string"}, "mode": {"type": "integer"}}}}}},
                "persistentVolumeClaim": {"type": "object", "required": ["claimName"], "additionalProperties": false,
                  "properties": {"claimName": {"type": "string"}, "readOnly": {"type": "boolean"}}},
                "emptyDir": {"type": "object", "additionalProperties": false, "properties": {"medium": {"type": "string"}, "sizeLimit": {"type": "string"}}}}}}}},
            "Container": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
              "name": {"type": "string"}, "image": {"type": "string"}, "imagePullPolicy": {"enum": ["Always", "Never", "IfNotPresent"]},
              "command": {"type": "array", "items": {"type": "string"}}, "args": {"type": "array", "items": {"type": "string"}},
              "workingDir": {"type": "string"},
              "env": {"type": "array", "items": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                "name": {"type": "string"}, "value": {"type": "string"},
                "valueFrom": {"type": "object", "additionalProperties": false, "properties": {
                  "fieldRef": {"type": "object", "required": ["fieldPath"], "additionalProperties": false,
                    "properties": {"apiVersion": {"type": "string"}, "fieldPath": {"type": "string"}}}}}}}},
              "resources": {"type": "object", "additionalProperties": false, "properties": {
                "requests": {"type": "object", "additionalProperties": {"type": "string"}},
                "limits": {"type": "object", "additionalProperties": {"type": "string"}}}},
              "securityContext": {"type": "object", "additionalProperties": false, "properties": {
                "allowPrivilegeEscalation": {"type": "boolean"}, "readOnlyRootFilesystem": {"type": "boolean"}, "privileged": {"type": "boolean"},
                "runAsNonRoot": {"type": "boolean"}, "runAsUser": {"type": "integer"}, "runAsGroup": {"type": "integer"},
                "capabilities": {"type": "object", "additionalProperties": false, "properties": {
                  "add": {"type": "array", "items": {"type": "string"}}, "drop": {"type": "array", "items": {"type": "string"}}}},
                "seccompProfile": {"$ref": "SeccompProfile"}}},
              "volumeMounts": {"type": "array", "items": {"type": "object", "required": ["name", "mountPath"], "additionalProperties": false, "properties": {
                "name": {"type": "string"}, "mountPath": {"type": "string"}, "readOnly": {"type": "boolean"}, "subPath": {"type": "string"}}}}}},
            "SeccompProfile": {"type": "object", "required": ["type"], "additionalProperties": false, "properties": {
              "type": {"enum": ["RuntimeDefault", "Localhost", "Unconfined"]}, "localhostProfile": {"type": "string"}}}
          }
        }
        """;

    /// <summary>Every mistake, as "path: what"; empty when <paramref name="value"/> fits the schema.</summary>
    public static List<string> Validate(JsonNode? value)
    {
        var root = JsonNode.Parse(Schema)!.AsObject();
        var errors = new List<string>();
        Check(value, root, root["definitions"]!.AsObject(), "", errors);
        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, JsonObject definitions, string at, List<string> errors)
    {
        if (schema["$ref"] is { } r) { Check(value, definitions[r.GetValue<string>()]!.AsObject(), definitions, at, errors); return; }
        if (schema["enum"] is JsonArray choices && !choices.Any(c => JsonNode.DeepEquals(c, value)))
            errors.Add($"{at}: {value?.ToJsonString()} is not one of {choices.ToJsonString()}");
        switch (schema["type"]?.GetValue<string>())
        {
            case "object" when value is not JsonObject:
            case "array" when value is not JsonArray:
            case "string" when value is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String:
            case "boolean" when value is not JsonValue b || b.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False):
            case "integer" when value is not JsonValue n || n.GetValueKind() != System.Text.Json.JsonValueKind.Number:
                errors.Add($"{at}: expected {schema["type"]}, got {value?.ToJsonString() ?? "null"}");
                return;
        }
        if (schema["minimum"] is { } min && value!.GetValue<long>() < min.GetValue<long>()) errors.Add($"{at}: below {min}");
        if (value is JsonArray array && schema["items"] is JsonObject items)
            for (int i = 0; i < array.Count; i++) Check(array[i], items, definitions, $"{at}[{i}]", errors);
        if (value is not JsonObject obj) return;
        foreach (var required in schema["required"]?.AsArray() ?? [])
            if (!obj.ContainsKey(required!.GetValue<string>())) errors.Add($"{at}: missing required field '{required}'");
        var properties = schema["properties"]?.AsObject();
        foreach (var (name, child) in obj)
        {
            if (properties?[name] is JsonObject p) Check(child, p, definitions, $"{at}.{name}", errors);
            else if (schema["additionalProperties"] is JsonObject extra) Check(child, extra, definitions, $"{at}.{name}", errors);
            else if (schema["additionalProperties"] is JsonValue no && !no.GetValue<bool>()) errors.Add($"{at}: unknown field '{name}'");
        }
    }

    /// <summary>A YAML node as JSON, typed as Kubernetes reads it: quoted scalars are strings; plain ones numbers, booleans or null when they look it.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } => v switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            null or "null" or "~" or "" => null,
            _ when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            _ => JsonValue.Create(v),
        },
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => throw new ArgumentException(node.GetType().Name),
    };
}
