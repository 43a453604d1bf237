// Placeholder translation unit so the editor target exists from day one.
namespace strata::editor {
int version() { return 1; }
}  // namespace strata::editor
