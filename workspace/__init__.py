"""Everything that touches files (DESIGN 2): readers of observation, HXL, DTM, COD-PS and
framework files, P-code placement, the workspace store and its atomic transactions, and
the demo workspace. The method (`indicators`) receives what this package has read."""
