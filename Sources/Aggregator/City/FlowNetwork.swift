import Shared

/// A directed graph of river reaches (upstream → downstream) or road segments (direction of
/// traffic), from `city.yaml`. Scenario rules ask "is B downstream of A?", which is reachability;
/// it is computed once on load (cities have hundreds of reaches, not millions), so a rule pays a
/// set lookup per question.
struct FlowNetwork: Sendable {
    struct Node: Decodable, Sendable, Hashable {
        var id: String
        var name: String
        /// Districts the reach or road passes through (may be several).
        var districts: [String]
        /// The nodes that flow (water, traffic) goes to next.
        var next: [String]

        init(id: String, name: String? = nil, districts: [String] = [], next: [String] = []) {
            self.id = id
            self.name = name ?? id
            self.districts = districts
            self.next = next
        }
    }

    /// The name a network's edge list has in `city.yaml`: `downstream` for reaches, `next` for roads.
    protocol EdgeKey { static var name: String { get } }
    enum Downstream: EdgeKey { static let name = "downstream" }
    enum Next: EdgeKey { static let name = "next" }

    /// A node as written in `city.yaml`, with its edge list under `Edge.name` (any other name is an
    /// unknown key).
    struct Spec<Edge: EdgeKey>: Decodable {
        let node: Node

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            node = Node(
                id: try c.decode(String.self, forKey: Key(stringValue: "id")),
                name: try c.decodeIfPresent(String.self, forKey: Key(stringValue: "name")),
                districts: try c.decode(Key(stringValue: "districts"), default: []),
                next: try c.decode(Key(stringValue: Edge.name), default: []))
        }
    }

    let nodes: [Node]
    let byID: [String: Node]
    /// Every node reachable from a node by following `next` (the node itself excluded unless a cycle
    /// leads back to it).
    let reachable: [String: Set<String>]

    static let empty = FlowNetwork(nodes: [], byID: [:], reachable: [:])

    private init(nodes: [Node], byID: [String: Node], reachable: [String: Set<String>]) {
        self.nodes = nodes
        self.byID = byID
        self.reachable = reachable
    }

    /// Validates ids, references and (when `acyclic`) the absence of cycles; `key` names the list in
    /// errors (`reaches`, `roads`), `noun` one of its items, `nextKey` the edge list (`downstream`, `next`).
    init(nodes: [Node], key: String, noun: String, nextKey: String, districts: Set<String>, acyclic: Bool) throws {
        var byID: [String: Node] = [:]
        for (i, node) in nodes.enumerated() {
            guard byID.updateValue(node, forKey: node.id) == nil else {
                throw ConfigValueError("duplicate id '\(node.id)'", at: "\(key)[\(i)].id")
            }
        }
        for (i, node) in nodes.enumerated() {
            for (j, district) in node.districts.enumerated() where !districts.contains(district) {
                throw ConfigValueError("unknown district '\(district)'", at: "\(key)[\(i)].districts[\(j)]")
            }
            for (j, next) in node.next.enumerated() {
                guard byID[next] != nil else { throw ConfigValueError("unknown \(noun) '\(next)'", at: "\(key)[\(i)].\(nextKey)[\(j)]") }
                guard next != node.id || !acyclic else { throw ConfigValueError("a \(noun) cannot flow into itself", at: "\(key)[\(i)].\(nextKey)[\(j)]") }
            }
        }
        var reachable: [String: Set<String>] = [:]
        for node in nodes {
            var seen: Set<String> = []
            var stack = node.next
            while let id = stack.popLast() {
                guard seen.insert(id).inserted else { continue }
                stack.append(contentsOf: byID[id]?.next ?? [])
            }
            if acyclic, seen.contains(node.id), let i = nodes.firstIndex(of: node) {
                throw ConfigValueError("flow cannot go in a circle: '\(node.id)' is downstream of itself", at: "\(key)[\(i)].\(nextKey)")
            }
            reachable[node.id] = seen
        }
        self.init(nodes: nodes, byID: byID, reachable: reachable)
    }

    /// True when flow goes from `from` to `to` (strictly: a node is not downstream of itself).
    func flows(from: String, to: String) -> Bool {
        reachable[from]?.contains(to) ?? false
    }
}
