/// The OpenAPI 3.1 document of the operations API, served at `GET /openapi.yaml` and checked by the
/// test suite (openapi-spec-validator, and schemathesis against a running server).
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: citywatch aggregator operations API
  version: "1"
  description: Events, incidents, scenarios, fleet and a live stream for central operations (docs/API.md).
servers:
  - url: /
security:
  - bearer: []
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
      description: "`cw_<12 hex>_<48 hex>`, from `aggregator token create`."
  parameters:
    limit:
      name: limit
      in: query
      schema: {type: integer, minimum: 1, maximum: 1000, default: 100}
    id:
      name: id
      in: path
      required: true
      schema: {type: string}
    time:
      name: from
      in: query
      schema: {type: string, description: "ms since the epoch or ISO-8601"}
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code: {type: string}
            message: {type: string}
            errors: {type: array, items: {type: string}}
    Page:
      type: object
      required: [items]
      properties:
        items: {type: array, items: {type: object}}
        next_cursor: {type: [string, "null"]}
    FleetPage:
      type: object
      required: [items]
      properties:
        items: {type: array, items: {$ref: "#/components/schemas/FleetAgent"}}
        next_cursor: {type: [string, "null"]}
    FleetAgent:
      type: object
      required: [agent_id, cameras]
      properties:
        agent_id: {type: string}
        store: {type: object, description: "Counters from the store (absent before the agent's first batch)"}
        cameras: {type: array, items: {type: object}}
        last_seen_age_ms: {type: integer}
        health:
          type: object
          description: The agent's latest report about itself, sent with its batches (absent until one arrives after a restart).
          required: [received_ms, sampled_at_ms, spool_backlog_bytes, cameras, cameras_online, tampered_cameras, dead_letters, evicted_events]
          properties:
            received_ms: {type: integer}
            sampled_at_ms: {type: integer}
            spool_backlog_bytes: {type: integer, minimum: 0}
            oldest_event_age_ms: {type: integer, minimum: 0}
            clock_skew_ms: {type: integer, description: "aggregator clock minus agent clock"}
            certificate_not_after_ms: {type: integer}
            cameras: {type: integer, minimum: 0}
            cameras_online: {type: integer, minimum: 0}
            tampered_cameras: {type: array, items: {type: string}}
            dead_letters: {type: integer, minimum: 0}
            evicted_events: {type: integer, minimum: 0}
    Event:
      type: object
      required: [event_id, camera_id, kind, phase, capture_time_ms, severity]
      properties:
        event_id: {type: integer}
        lifecycle_id: {type: integer}
        camera_id: {type: string}
        kind: {type: string}
        phase: {type: string, enum: [start, update, end]}
        capture_time_ms: {type: integer}
        agent_time_ms: {type: integer}
        track_id: {type: integer}
        zone: {type: string}
        confidence: {type: number}
        severity: {type: string, enum: [info, low, medium, high, critical]}
        attributes: {type: object}
    StoredEvent:
      type: object
      required: [agent_id, district, received_at_ms, event]
      properties:
        agent_id: {type: string}
        district: {type: string}
        received_at_ms: {type: integer}
        event: {$ref: "#/components/schemas/Event"}
    Incident:
      type: object
      required: [id, type, status, severity, opened_ms, last_ms, cameras, districts, tracks, event_count, timeline]
      properties:
        id: {type: string}
        type: {type: string}
        status: {type: string, enum: [open, acknowledged, resolved]}
        severity: {type: string, enum: [info, low, medium, high, critical]}
        opened_ms: {type: integer}
        last_ms: {type: integer}
        resolved_ms: {type: [integer, "null"]}
        cameras: {type: array, items: {type: string}}
        districts: {type: array, items: {type: string}}
        tracks: {type: array, items: {type: string}}
        event_count: {type: integer}
        timeline: {type: array, items: {type: object}}
    Activation:
      type: object
      required: [id, scenario_id, title, domain, severity, time_ms, districts, cameras, events, summary]
      properties:
        id: {type: string}
        scenario_id: {type: string}
        title: {type: string}
        domain: {type: string}
        severity: {type: string}
        time_ms: {type: integer}
        key: {type: string}
        districts: {type: array, items: {type: string}}
        cameras: {type: array, items: {type: string}}
        reaches: {type: array, items: {type: string}}
        roads: {type: array, items: {type: string}}
        events: {type: array, items: {type: object}}
        summary: {type: string}
  responses:
    BadParameter: {description: "A parameter is invalid", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    Unauthenticated: {description: "No, unknown or revoked token", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    Forbidden: {description: "The token's role is too low", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    NotFound: {description: "No such thing", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    Conflict: {description: "The request conflicts with the current state", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
    RateLimited:
      description: The token exceeded its rate
      headers: {Retry-After: {schema: {type: integer}}}
      content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
    Unavailable: {description: "The store is unavailable", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
paths:
  /openapi.yaml:
    get:
      security: []
      responses:
        "200": {description: This document, content: {application/yaml: {schema: {type: string}}}}
  /healthz:
    get:
      security: []
      responses:
        "200": {description: "Serving", content: {text/plain: {schema: {type: string}}}}
  /readyz:
    get:
      security: []
      responses:
        "200": {description: "Ready", content: {application/json: {schema: {type: object, properties: {ready: {type: boolean}}}}}}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/events:
    get:
      summary: Stored events, newest first, keyset-paged
      parameters:
        - {$ref: "#/components/parameters/time"}
        - {name: to, in: query, schema: {type: string}}
        - {name: district, in: query, schema: {type: string, minLength: 1, maxLength: 256}}
        - {name: camera, in: query, schema: {type: string, minLength: 1, maxLength: 256}}
        - {name: kind, in: query, schema: {type: string, minLength: 1, maxLength: 256}}
        - {name: agent, in: query, schema: {type: string, minLength: 1, maxLength: 256}}
        - {name: zone, in: query, schema: {type: string, minLength: 1, maxLength: 256}}
        - {name: min_severity, in: query, schema: {type: string, enum: [info, low, medium, high, critical]}}
        - {name: cursor, in: query, schema: {type: string}}
        - {$ref: "#/components/parameters/limit"}
      responses:
        "200":
          description: A page of events
          content:
            application/json:
              schema:
                allOf:
                  - {$ref: "#/components/schemas/Page"}
                  - {properties: {items: {type: array, items: {$ref: "#/components/schemas/StoredEvent"}}}}
        "400": {$ref: "#/components/responses/BadParameter"}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/incidents:
    get:
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [open, acknowledged, resolved]}}
        - {$ref: "#/components/parameters/limit"}
      responses:
        "200":
          description: Incidents, latest activity first
          content:
            application/json:
              schema:
                allOf:
                  - {$ref: "#/components/schemas/Page"}
                  - {properties: {items: {type: array, items: {$ref: "#/components/schemas/Incident"}}}}
        "400": {$ref: "#/components/responses/BadParameter"}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/incidents/{id}:
    get:
      parameters: [{$ref: "#/components/parameters/id"}]
      responses:
        "200": {description: "One incident", content: {application/json: {schema: {$ref: "#/components/schemas/Incident"}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/incidents/{id}/acknowledge:
    post:
      description: Needs the operator role.
      parameters: [{$ref: "#/components/parameters/id"}]
      responses:
        "200": {description: "Acknowledged", content: {application/json: {schema: {$ref: "#/components/schemas/Incident"}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/incidents/{id}/resolve:
    post:
      description: Needs the operator role.
      parameters: [{$ref: "#/components/parameters/id"}]
      responses:
        "200": {description: "Resolved", content: {application/json: {schema: {$ref: "#/components/schemas/Incident"}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/activations:
    get:
      parameters:
        - {name: scenario, in: query, schema: {type: string, minLength: 1, maxLength: 256}}
        - {$ref: "#/components/parameters/limit"}
      responses:
        "200":
          description: Activations, newest first
          content:
            application/json:
              schema:
                allOf:
                  - {$ref: "#/components/schemas/Page"}
                  - {properties: {items: {type: array, items: {$ref: "#/components/schemas/Activation"}}}}
        "400": {$ref: "#/components/responses/BadParameter"}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/scenarios:
    get:
      responses:
        "200": {description: "The running scenario set", content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/scenarios/reload:
    post:
      description: Needs the admin role. Re-reads the scenario directory.
      responses:
        "200": {description: "Applied", content: {application/json: {schema: {type: object, properties: {scenarios: {type: integer}}}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "409": {$ref: "#/components/responses/Conflict"}
        "422": {description: "The set does not validate; the running one stays", content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/scenarios/{id}/enable:
    post:
      description: Needs the admin role.
      parameters: [{$ref: "#/components/parameters/id"}]
      responses:
        "200": {description: "Enabled", content: {application/json: {schema: {type: object}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/scenarios/{id}/disable:
    post:
      description: Needs the admin role.
      parameters: [{$ref: "#/components/parameters/id"}]
      responses:
        "200": {description: "Disabled", content: {application/json: {schema: {type: object}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/city:
    get:
      responses:
        "200": {description: "The city model", content: {application/json: {schema: {type: object, required: [city, districts, cameras], properties: {city: {type: string}, districts: {type: array}, cameras: {type: array}, reaches: {type: array}, roads: {type: array}}}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/fleet:
    get:
      responses:
        "200": {description: "Agents with their counters, cameras and own health reports", content: {application/json: {schema: {$ref: "#/components/schemas/FleetPage"}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/snapshots:
    get:
      summary: Snapshots agents uploaded (take_snapshot), newest first
      parameters:
        - {name: agent, in: query, schema: {type: string}}
        - {$ref: "#/components/parameters/limit"}
      responses:
        "200":
          description: The stored snapshots
          content:
            application/json:
              schema:
                type: object
                required: [snapshots]
                properties:
                  snapshots:
                    type: array
                    items:
                      type: object
                      required: [agent, name, bytes, stored_at_ms]
                      properties:
                        agent: {type: string}
                        name: {type: string}
                        bytes: {type: integer}
                        stored_at_ms: {type: integer}
        "400": {$ref: "#/components/responses/BadParameter"}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/snapshots/{agent}/{name}:
    get:
      summary: One snapshot (PNG)
      parameters:
        - {name: agent, in: path, required: true, schema: {type: string}}
        - {name: name, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: The annotated frame, content: {image/png: {schema: {type: string, format: binary}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/stats/hourly:
    get:
      parameters:
        - {$ref: "#/components/parameters/time"}
        - {name: to, in: query, schema: {type: string}}
      responses:
        "200": {description: "Events per hour, district and kind", content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}
        "400": {$ref: "#/components/responses/BadParameter"}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /metrics:
    get:
      summary: Prometheus metrics of the aggregator (also on the metrics listener)
      responses:
        "200": {description: Prometheus text exposition, content: {text/plain: {schema: {type: string}}}}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
  /v1/stream:
    get:
      summary: Server-Sent Events of activations and incident changes
      parameters:
        - {name: types, in: query, schema: {type: string}}
        - {name: district, in: query, schema: {type: string}}
        - {name: min_severity, in: query, schema: {type: string, enum: [info, low, medium, high, critical]}}
      responses:
        "200": {description: "An endless event stream", content: {text/event-stream: {schema: {type: string}}}}
        "400": {$ref: "#/components/responses/BadParameter"}
        "401": {$ref: "#/components/responses/Unauthenticated"}
        "429": {$ref: "#/components/responses/RateLimited"}
"""#
}
