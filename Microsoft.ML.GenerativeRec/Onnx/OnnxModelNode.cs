using Microsoft.ML.Model.OnnxConverter;

namespace Microsoft.ML.GenerativeRec.Onnx;

/// <summary>A node of an <see cref="OnnxModelContext"/>: an operator, its inputs and outputs, and the attributes set on it.</summary>
/// <remarks>Attribute values are stored as ML.NET's converter stores them: doubles as floats, bools as 0/1, types as element types.</remarks>
internal sealed class OnnxModelNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string name, string domain) : OnnxNode
{
    private readonly List<OnnxAttribute> _attributes = [];

    public string OpType { get; } = opType;

    public IReadOnlyList<string> Inputs { get; } = inputs;

    public IReadOnlyList<string> Outputs { get; } = outputs;

    public string Name { get; } = name;

    /// <summary>Gets the operator set: empty for the default ai.onnx domain.</summary>
    public string Domain { get; } = domain;

    public IReadOnlyList<OnnxAttribute> Attributes => _attributes;

    public override void AddAttribute(string argName, double value) => Add(new(argName, OnnxAttributeKind.Float, Float: (float)value));

    public override void AddAttribute(string argName, long value) => Add(new(argName, OnnxAttributeKind.Int, Int: value));

    public override void AddAttribute(string argName, ReadOnlyMemory<char> value) => AddAttribute(argName, value.ToString());

    public override void AddAttribute(string argName, string value) => Add(new(argName, OnnxAttributeKind.String, Text: value));

    public override void AddAttribute(string argName, bool value) => AddAttribute(argName, value ? 1L : 0L);

    public override void AddAttribute(string argName, IEnumerable<double> value)
        => Add(new(argName, OnnxAttributeKind.Floats, Floats: [.. value.Select(v => (float)v)]));

    public override void AddAttribute(string argName, IEnumerable<float> value) => Add(new(argName, OnnxAttributeKind.Floats, Floats: [.. value]));

    public override void AddAttribute(string argName, IEnumerable<long> value) => Add(new(argName, OnnxAttributeKind.Ints, Ints: [.. value]));

    public override void AddAttribute(string argName, IEnumerable<ReadOnlyMemory<char>> value)
        => AddAttribute(argName, value.Select(v => v.ToString()));

    public override void AddAttribute(string argName, string[] value) => AddAttribute(argName, (IEnumerable<string>)value);

    public override void AddAttribute(string argName, IEnumerable<string> value) => Add(new(argName, OnnxAttributeKind.Strings, Texts: [.. value]));

    public override void AddAttribute(string argName, IEnumerable<bool> value) => AddAttribute(argName, value.Select(v => v ? 1L : 0L));

    public override void AddAttribute(string argName, Type t) => AddAttribute(argName, (long)OnnxElementType.Of(t));

    private void Add(OnnxAttribute attribute) => _attributes.Add(attribute);
}
