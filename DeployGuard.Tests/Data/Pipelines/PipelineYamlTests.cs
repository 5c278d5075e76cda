using DeployGuard.Data.Entities;
using DeployGuard.Data.Services.Common;
using DeployGuard.Data.Services.Pipelines;
using DeployGuard.Data.Services.Users;
using DeployGuard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace DeployGuard.Tests.Data.Pipelines;

public sealed class PipelineYamlTests
{
    [Fact]
    public void Parse_DefaultPipeline_HasTheSeedStages()
    {
        var result = PipelineYaml.Parse(PipelineYaml.Default);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(["build", "test", "security_scan", "approval", "deploy", "smoke_test"], result.Stages.Select(s => s.Name));
    }

    [Fact]
    public void Parse_UnknownKindAndKey_ReportTheirLines()
    {
        const string yaml = """
            stages:
              - name: build
                kind: command
                run: make
              - name: deploy
                kind: comand
              - name: check
                kind: health_check
                url: http://localhost/health
                retries: 3
            """;

        var result = PipelineYaml.Parse(yaml);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Line == 6 && e.Message.Contains("Unknown kind 'comand'"));
        Assert.Contains(result.Errors, e => e.Line == 10 && e.Message.Contains("'retries'"));
    }

    [Theory]
    [InlineData("? :", 1)]
    [InlineData("\t\t: : :", 1)]
    [InlineData("stages:\n  - name: a\n    ? :\n", 3)]
    [InlineData("stages:\n  - ? [a, b]\n    : c\n", 2)]
    [InlineData("stages: *nowhere", 1)]
    [InlineData("stages: &a [*a]", 1)]
    [InlineData("stages:\n  - name: a\n    kind: wait\n    seconds: !!binary AAAA\n", 4)]
    [InlineData("%YAML 9.9\n---\nstages: []", 1)]
    [InlineData("stages: []\n---\nstages: []", 1)]
    public void Parse_HostileYaml_ReportsAnErrorWithPositionInsteadOfThrowing(string yaml, int maxLine)
    {
        var result = PipelineYaml.Parse(yaml);

        Assert.False(result.IsValid);
        Assert.All(result.Errors, e => Assert.InRange(e.Line, 1, Math.Max(maxLine, yaml.Split('\n').Length)));
        Assert.All(result.Errors, e => Assert.True(e.Column >= 1, e.ToString()));
    }

    [Theory]
    [InlineData("stages:\n\t\t: : :", 2)]
    [InlineData("stages:\n  - name: a\n\t\t: : :\n", 3)]
    [InlineData("stages:\n  - name: a\n    kind: wait\n\tseconds: 1\n", 4)]
    public void Parse_TabAsIndentation_PointsAtTheLineWithTheTab(string yaml, int line)
    {
        var result = PipelineYaml.Parse(yaml);

        var error = Assert.Single(result.Errors);
        Assert.Equal(line, error.Line);
        Assert.Equal(1, error.Column);
        Assert.Contains("tab", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_SyntaxError_ReportsTheLine()
    {
        const string yaml = "stages:\n  - name: build\n    kind: command\n    run: [unclosed\n";

        var result = PipelineYaml.Parse(yaml);

        var error = Assert.Single(result.Errors);
        Assert.True(error.Line >= 4, error.ToString());
        Assert.StartsWith("YAML syntax error", error.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("steps: []", "Unknown top-level key 'steps'")]
    [InlineData("stages:\n  - name: Build Me\n    kind: wait\n    seconds: 1", "must be lowercase")]
    [InlineData("stages:\n  - name: a\n    kind: command", "needs 'run'")]
    [InlineData("stages:\n  - name: a\n    kind: wait\n    seconds: 1\n  - name: a\n    kind: wait\n    seconds: 2", "used twice")]
    [InlineData("stages:\n  - name: a\n    kind: command\n    run: x\n    timeout: -5", "'timeout' must be a whole number")]
    [InlineData("stages:\n  - name: a\n    kind: command\n    run: x\n    env:\n      DG_X: y", "set by DeployGuard")]
    [InlineData("stages:\n  - name: a\n    kind: security_scan", "needs 'scanners'")]
    [InlineData("stages:\n  - name: a\n    kind: security_scan\n    scanners: [docker]", "Unknown scan type 'docker'")]
    [InlineData("stages:\n  - name: a\n    kind: security_scan\n    scanners: [container]", "needs 'target'")]
    [InlineData("stages:\n  - name: a\n    kind: security_scan\n    report: out/trivy.json", "'report' must be an absolute path")]
    [InlineData("stages:\n  - name: a\n    kind: security_scan\n    report: /x.json\n    run: trivy", "'run' is not a setting of a security_scan stage")]
    public void Parse_InvalidPipelines_ExplainWhy(string yaml, string expected)
    {
        var result = PipelineYaml.Parse(yaml);

        Assert.Contains(result.Errors, e => e.Message.Contains(expected));
    }

    [Fact]
    public void Parse_SecurityScanStage_KeepsScannersTargetAndReport()
    {
        var result = PipelineYaml.Parse("""
            stages:
              - name: vulnerabilities
                kind: security_scan
                scanners: [git_repo, container]
                target: registry.example/app:${DG_RELEASE_VERSION}
                report: /srv/builds/${DG_SERVICE}/sbom.json
            """);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var stage = Assert.Single(result.Stages);
        Assert.Equal(StageKind.SecurityScan, stage.Kind);
        Assert.Equal(["git_repo", "container"], stage.Scanners);
        Assert.Equal("registry.example/app:${DG_RELEASE_VERSION}", stage.Target);
        Assert.Equal("/srv/builds/${DG_SERVICE}/sbom.json", stage.Report);
        Assert.Equal(stage, StageDefinition.FromJson(stage.ToJson()) with { Scanners = stage.Scanners });
    }

    [Fact]
    public void Resolve_ProtectedEnvironmentWithoutApproval_InsertsOneBeforeDeploying()
    {
        var parsed = PipelineYaml.Parse("stages:\n  - name: build\n    kind: command\n    run: x\n  - name: gate\n    kind: security_gate\n  - name: deploy\n    kind: command\n    run: y");
        var definition = new PipelineDefinition { Stages = System.Text.Json.JsonSerializer.Serialize(parsed.Stages, StageDefinition.Json) };

        var (stages, _) = PipelineService.Resolve(definition, new DeploymentEnvironment { Name = "prod", IsProtected = true, RequiredApprovals = 2 });
        var (open, _) = PipelineService.Resolve(definition, new DeploymentEnvironment { Name = "dev" });

        Assert.Equal(["build", "gate", "approval", "deploy"], stages.Select(s => s.Name));
        Assert.Equal(["build", "gate", "deploy"], open.Select(s => s.Name));
    }

    [Fact]
    public async Task SaveAsync_InvalidYaml_ReturnsLineErrorsAndChangesNothing()
    {
        await using var kit = await DeploymentTestKit.CreateAsync();
        var service = await kit.ServiceAsync();
        var admin = await kit.UserAsync(Roles.Admin);
        var pipelines = kit.Get<PipelineService>();

        var bad = await pipelines.SaveAsync(service.Id, new PipelineInput { Yaml = "stages:\n  - name: x\n    kind: nope" }, admin);
        var good = await pipelines.SaveAsync(service.Id, new PipelineInput { Yaml = "stages:\n  - name: x\n    kind: wait\n    seconds: 1" }, admin);
        var unknown = await pipelines.SaveAsync(Guid.NewGuid(), new PipelineInput { Yaml = "stages: []" }, admin);
        var viewer = await pipelines.SaveAsync(service.Id, new PipelineInput { Yaml = PipelineYaml.Default }, await kit.UserAsync(Roles.Viewer));

        Assert.Equal(ResultStatus.Invalid, bad.Status);
        Assert.Contains("Line 3", bad.Errors[nameof(PipelineInput.Yaml)][0]);
        Assert.True(good.Succeeded);
        Assert.Equal(1, good.Value!.Revision);
        Assert.Equal(ResultStatus.NotFound, unknown.Status);
        Assert.Equal(ResultStatus.Forbidden, viewer.Status);
        await using var db = kit.Db();
        var stored = await db.PipelineDefinitions.SingleAsync(p => p.ServiceId == service.Id);
        Assert.Contains("kind: wait", stored.Yaml);
        Assert.Single(await db.AuditLogs.Where(a => a.Action == "pipeline.updated" && a.ResourceId == service.Id.ToString()).ToListAsync());
    }
}
