// Placeholder translation unit so the plotting target exists from day one.
namespace strata::plotting {
int version() { return 1; }
}  // namespace strata::plotting
