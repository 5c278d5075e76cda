namespace DeployGuard.Data.Entities;

/// <summary>FIRST's EPSS score of one CVE (the daily <c>epss_scores-YYYY-MM-DD.csv.gz</c>): the probability of exploitation in the next 30 days.</summary>
public class EpssScore
{
    public string Cve { get; set; } = "";
    public double Epss { get; set; }
    public double Percentile { get; set; }
    public string? ModelVersion { get; set; }
    public DateOnly ScoreDate { get; set; }
}
