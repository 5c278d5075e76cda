using System.Text;
using DeployGuard.Scanning.Detection;

namespace DeployGuard.Scanning.Reports;

/// <summary>
/// Redacts secret-looking values in free text a report quotes from the scanned code (a SARIF message, a
/// misconfiguration message) before it is stored or shown: the built-in rules find them, and each becomes its
/// redacted preview. Known values (a SARIF result's <c>offender</c>) are replaced too.
/// </summary>
public static class TextScrubber
{
    private static readonly Lazy<Detector> Engine = new(() =>
        new Detector(CompiledConfiguration.Compile(Rules.ScannerConfiguration.Default), new ScanOptions()));

    public static string? Scrub(string? text, params string?[] knownValues)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        foreach (var value in knownValues)
        {
            if (!string.IsNullOrEmpty(value) && value.Length >= 4)
            {
                text = text.Replace(value, SecretHasher.Redact(value), StringComparison.Ordinal);
            }
        }

        var candidates = Engine.Value.Detect(text);
        if (candidates.Count == 0)
        {
            return text;
        }

        var lineStarts = LineStarts(text);
        var builder = new StringBuilder(text);
        // Right to left, so earlier offsets stay valid.
        foreach (var c in candidates.OrderByDescending(c => Offset(lineStarts, c.Line, c.Column)))
        {
            var start = Offset(lineStarts, c.Line, c.Column);
            var end = Math.Min(text.Length, Offset(lineStarts, c.EndLine, c.EndColumn));
            if (start >= 0 && end > start)
            {
                builder.Remove(start, end - start).Insert(start, c.Preview);
            }
        }

        return builder.ToString();
    }

    private static List<int> LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static int Offset(List<int> lineStarts, int line, int column) =>
        line - 1 < lineStarts.Count ? lineStarts[line - 1] + column - 1 : -1;
}
