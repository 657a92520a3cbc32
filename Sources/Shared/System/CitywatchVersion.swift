/// The version every citywatch binary reports (`--version`, `agent_version` on the wire).
public enum CitywatchVersion {
    public static let current = "0.1.0"
}
