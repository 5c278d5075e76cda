namespace DeployGuard.Scanning.Vulnerabilities;

internal sealed record MetricDefinition(string Name, bool Required, IReadOnlyDictionary<string, string> Values);

/// <summary>The metrics of each CVSS version, their values and what they mean (from the FIRST specifications).</summary>
internal static class CvssMetrics
{
    private static readonly Dictionary<string, MetricDefinition> V2 = new(StringComparer.Ordinal)
    {
        ["AV"] = Base("Access Vector", ("L", "Local"), ("A", "Adjacent Network"), ("N", "Network")),
        ["AC"] = Base("Access Complexity", ("H", "High"), ("M", "Medium"), ("L", "Low")),
        ["Au"] = Base("Authentication", ("M", "Multiple"), ("S", "Single"), ("N", "None")),
        ["C"] = Base("Confidentiality Impact", ("N", "None"), ("P", "Partial"), ("C", "Complete")),
        ["I"] = Base("Integrity Impact", ("N", "None"), ("P", "Partial"), ("C", "Complete")),
        ["A"] = Base("Availability Impact", ("N", "None"), ("P", "Partial"), ("C", "Complete")),
        ["E"] = Optional("Exploitability", ("U", "Unproven"), ("POC", "Proof-of-Concept"), ("F", "Functional"), ("H", "High"), ("ND", "Not Defined")),
        ["RL"] = Optional("Remediation Level", ("OF", "Official Fix"), ("TF", "Temporary Fix"), ("W", "Workaround"), ("U", "Unavailable"), ("ND", "Not Defined")),
        ["RC"] = Optional("Report Confidence", ("UC", "Unconfirmed"), ("UR", "Uncorroborated"), ("C", "Confirmed"), ("ND", "Not Defined")),
        ["CDP"] = Optional("Collateral Damage Potential", ("N", "None"), ("L", "Low"), ("LM", "Low-Medium"), ("MH", "Medium-High"), ("H", "High"), ("ND", "Not Defined")),
        ["TD"] = Optional("Target Distribution", ("N", "None"), ("L", "Low"), ("M", "Medium"), ("H", "High"), ("ND", "Not Defined")),
        ["CR"] = Optional("Confidentiality Requirement", ("L", "Low"), ("M", "Medium"), ("H", "High"), ("ND", "Not Defined")),
        ["IR"] = Optional("Integrity Requirement", ("L", "Low"), ("M", "Medium"), ("H", "High"), ("ND", "Not Defined")),
        ["AR"] = Optional("Availability Requirement", ("L", "Low"), ("M", "Medium"), ("H", "High"), ("ND", "Not Defined")),
    };

    private static readonly Dictionary<string, MetricDefinition> V3 = new(StringComparer.Ordinal)
    {
        ["AV"] = Base("Attack Vector", ("N", "Network"), ("A", "Adjacent"), ("L", "Local"), ("P", "Physical")),
        ["AC"] = Base("Attack Complexity", ("L", "Low"), ("H", "High")),
        ["PR"] = Base("Privileges Required", ("N", "None"), ("L", "Low"), ("H", "High")),
        ["UI"] = Base("User Interaction", ("N", "None"), ("R", "Required")),
        ["S"] = Base("Scope", ("U", "Unchanged"), ("C", "Changed")),
        ["C"] = Base("Confidentiality", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["I"] = Base("Integrity", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["A"] = Base("Availability", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["E"] = Optional("Exploit Code Maturity", ("X", "Not Defined"), ("H", "High"), ("F", "Functional"), ("P", "Proof-of-Concept"), ("U", "Unproven")),
        ["RL"] = Optional("Remediation Level", ("X", "Not Defined"), ("U", "Unavailable"), ("W", "Workaround"), ("T", "Temporary Fix"), ("O", "Official Fix")),
        ["RC"] = Optional("Report Confidence", ("X", "Not Defined"), ("C", "Confirmed"), ("R", "Reasonable"), ("U", "Unknown")),
        ["CR"] = Optional("Confidentiality Requirement", ("X", "Not Defined"), ("H", "High"), ("M", "Medium"), ("L", "Low")),
        ["IR"] = Optional("Integrity Requirement", ("X", "Not Defined"), ("H", "High"), ("M", "Medium"), ("L", "Low")),
        ["AR"] = Optional("Availability Requirement", ("X", "Not Defined"), ("H", "High"), ("M", "Medium"), ("L", "Low")),
        ["MAV"] = Optional("Modified Attack Vector", ("X", "Not Defined"), ("N", "Network"), ("A", "Adjacent"), ("L", "Local"), ("P", "Physical")),
        ["MAC"] = Optional("Modified Attack Complexity", ("X", "Not Defined"), ("L", "Low"), ("H", "High")),
        ["MPR"] = Optional("Modified Privileges Required", ("X", "Not Defined"), ("N", "None"), ("L", "Low"), ("H", "High")),
        ["MUI"] = Optional("Modified User Interaction", ("X", "Not Defined"), ("N", "None"), ("R", "Required")),
        ["MS"] = Optional("Modified Scope", ("X", "Not Defined"), ("U", "Unchanged"), ("C", "Changed")),
        ["MC"] = Optional("Modified Confidentiality", ("X", "Not Defined"), ("H", "High"), ("L", "Low"), ("N", "None")),
        ["MI"] = Optional("Modified Integrity", ("X", "Not Defined"), ("H", "High"), ("L", "Low"), ("N", "None")),
        ["MA"] = Optional("Modified Availability", ("X", "Not Defined"), ("H", "High"), ("L", "Low"), ("N", "None")),
    };

    private static readonly Dictionary<string, MetricDefinition> V4 = new(StringComparer.Ordinal)
    {
        ["AV"] = Base("Attack Vector", ("N", "Network"), ("A", "Adjacent"), ("L", "Local"), ("P", "Physical")),
        ["AC"] = Base("Attack Complexity", ("L", "Low"), ("H", "High")),
        ["AT"] = Base("Attack Requirements", ("N", "None"), ("P", "Present")),
        ["PR"] = Base("Privileges Required", ("N", "None"), ("L", "Low"), ("H", "High")),
        ["UI"] = Base("User Interaction", ("N", "None"), ("P", "Passive"), ("A", "Active")),
        ["VC"] = Base("Vulnerable System Confidentiality", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["VI"] = Base("Vulnerable System Integrity", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["VA"] = Base("Vulnerable System Availability", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["SC"] = Base("Subsequent System Confidentiality", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["SI"] = Base("Subsequent System Integrity", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["SA"] = Base("Subsequent System Availability", ("H", "High"), ("L", "Low"), ("N", "None")),
        ["E"] = Optional("Exploit Maturity", ("X", "Not Defined"), ("A", "Attacked"), ("P", "POC"), ("U", "Unreported")),
        ["CR"] = Optional("Confidentiality Requirement", ("X", "Not Defined"), ("H", "High"), ("M", "Medium"), ("L", "Low")),
        ["IR"] = Optional("Integrity Requirement", ("X", "Not Defined"), ("H", "High"), ("M", "Medium"), ("L", "Low")),
        ["AR"] = Optional("Availability Requirement", ("X", "Not Defined"), ("H", "High"), ("M", "Medium"), ("L", "Low")),
        ["MAV"] = Optional("Modified Attack Vector", ("X", "Not Defined"), ("N", "Network"), ("A", "Adjacent"), ("L", "Local"), ("P", "Physical")),
        ["MAC"] = Optional("Modified Attack Complexity", ("X", "Not Defined"), ("L", "Low"), ("H", "High")),
        ["MAT"] = Optional("Modified Attack Requirements", ("X", "Not Defined"), ("N", "None"), ("P", "Present")),
        ["MPR"] = Optional("Modified Privileges Required", ("X", "Not Defined"), ("N", "None"), ("L", "Low"), ("H", "High")),
        ["MUI"] = Optional("Modified User Interaction", ("X", "Not Defined"), ("N", "None"), ("P", "Passive"), ("A", "Active")),
        ["MVC"] = Optional("Modified Vulnerable System Confidentiality", ("X", "Not Defined"), ("H", "High"), ("L", "Low"), ("N", "None")),
        ["MVI"] = Optional("Modified Vulnerable System Integrity", ("X", "Not Defined"), ("H", "High"), ("L", "Low"), ("N", "None")),
        ["MVA"] = Optional("Modified Vulnerable System Availability", ("X", "Not Defined"), ("H", "High"), ("L", "Low"), ("N", "None")),
        ["MSC"] = Optional("Modified Subsequent System Confidentiality", ("X", "Not Defined"), ("H", "High"), ("L", "Low"), ("N", "Negligible")),
        ["MSI"] = Optional("Modified Subsequent System Integrity", ("X", "Not Defined"), ("S", "Safety"), ("H", "High"), ("L", "Low"), ("N", "Negligible")),
        ["MSA"] = Optional("Modified Subsequent System Availability", ("X", "Not Defined"), ("S", "Safety"), ("H", "High"), ("L", "Low"), ("N", "Negligible")),
        ["S"] = Optional("Safety", ("X", "Not Defined"), ("N", "Negligible"), ("P", "Present")),
        ["AU"] = Optional("Automatable", ("X", "Not Defined"), ("N", "No"), ("Y", "Yes")),
        ["R"] = Optional("Recovery", ("X", "Not Defined"), ("A", "Automatic"), ("U", "User"), ("I", "Irrecoverable")),
        ["V"] = Optional("Value Density", ("X", "Not Defined"), ("D", "Diffuse"), ("C", "Concentrated")),
        ["RE"] = Optional("Vulnerability Response Effort", ("X", "Not Defined"), ("L", "Low"), ("M", "Moderate"), ("H", "High")),
        ["U"] = Optional("Provider Urgency", ("X", "Not Defined"), ("Clear", "Clear"), ("Green", "Green"), ("Amber", "Amber"), ("Red", "Red")),
    };

    public static IReadOnlyDictionary<string, MetricDefinition> For(string version) => version switch
    {
        "2.0" => V2,
        "3.0" or "3.1" => V3,
        _ => V4,
    };

    private static MetricDefinition Base(string name, params (string Key, string Meaning)[] values) => new(name, true, Values(values));

    private static MetricDefinition Optional(string name, params (string Key, string Meaning)[] values) => new(name, false, Values(values));

    private static Dictionary<string, string> Values((string Key, string Meaning)[] values) =>
        values.ToDictionary(v => v.Key, v => v.Meaning, StringComparer.Ordinal);
}
